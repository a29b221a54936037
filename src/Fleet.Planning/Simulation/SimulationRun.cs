using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Fleet.Domain.Serving;
using Fleet.Planning.Analytic;
using Fleet.Planning.Performance;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Simulation;

/// <summary>The mutable state of one simulation; used once.</summary>
internal sealed class SimulationRun
{
    private const byte Queued = 1, Prefilling = 2, Decoding = 3, Done = 4, DroppedState = 5;
    private const byte PrefillOnlyStep = 1, MixedStep = 2, DecodeStep = 3;
    private const byte FailureEvent = 0, RepairEvent = 1, OutageStartEvent = 2, OutageEndEvent = 3;

    private readonly Scenario _scenario;
    private readonly TimeProvider _time;
    private readonly IProgress<SimulationProgress>? _progress;
    private readonly CancellationToken _ct;
    private readonly BatchingPolicy _policy;
    private readonly bool _shared;
    private readonly RoutingPolicy _routing;

    // Requests (struct of arrays).
    private readonly int _n;
    private readonly RequestState[] _req;
    private readonly long _maxTokens;

    // Replicas.
    private readonly int _m;
    private readonly int[] _poolOf;
    private readonly int[] _dcOf;
    private readonly IStepCostModel[] _models;
    private readonly RooflineStepModel[] _floors;
    private readonly long[] _kvCap;
    private readonly long[] _kvUsed;
    private readonly int[] _qHead, _qTail;
    private readonly int[] _pHead, _pTail, _pCount;
    private readonly int[] _decodeCount;
    private readonly long[] _sumCtx;
    private readonly long[] _decodeIndex;
    private readonly FinishHeap[] _finishing;
    private readonly int[] _down;
    private readonly bool[] _failed;
    private readonly byte[] _stepKind;
    private readonly long[] _stepCount;
    private readonly double[] _stepEnd;
    private readonly int[] _stepBudget;
    private readonly int[] _outstanding;
    private readonly IndexedMinHeap _events;
    private readonly IndexedMinHeap _leastOutstanding;
    private readonly int[] _upList, _upPos;
    private int _upCount;
    private long _roundRobin;
    private readonly long[] _lastPicked;
    private readonly int[] _idle;
    private readonly bool[] _inIdle;
    private int _idleCount;
    private int _sqHead = -1, _sqTail = -1;

    private readonly PriorityQueue<(byte Kind, int Target), (double Time, long Seq)> _control = new();
    private long _controlSeq;
    private readonly Random _failureRandom;
    private readonly double[] _failureRate;
    private readonly double _repairSeconds;

    // Statistics.
    private readonly int _dcCount;
    private readonly int[] _busyByDc, _upByDc, _replicasByDc;
    private readonly double[] _busyAreaDc, _upAreaDc;
    private readonly long[] _completedDc, _tokensDc;
    private readonly List<double> _minuteQueued = [], _minuteAdmitted = [], _minuteBusy = [], _minuteUp = [];
    private double _lastT;
    private long _inSystem, _queued, _admittedTotal;
    private int _busyCount;
    private double _areaInSystem, _areaAdmitted, _areaBusy, _areaUp;
    private long _completed, _droppedNoCapacity, _droppedTooLong, _stranded, _restarted;
    private long _eventCount, _stepEvents, _steps, _clamped;

    public SimulationRun(Scenario scenario, RequestSet requests, TimeProvider time, IProgress<SimulationProgress>? progress, CancellationToken ct)
    {
        _scenario = scenario;
        _time = time;
        _progress = progress;
        _ct = ct;
        _policy = scenario.Scheduler.Policy;
        _routing = scenario.Scheduler.Routing;
        _shared = _routing == RoutingPolicy.SharedQueue;

        _n = requests.Count;
        _req = new RequestState[_n];
        for (var i = 0; i < _n; i++)
        {
            _req[i] = new RequestState
            {
                Arrival = requests.Arrivals[i],
                Prompt = requests.PromptTokens[i],
                Output = requests.OutputTokens[i],
                Admitted = double.NaN,
                FirstToken = double.NaN,
                Finished = double.NaN,
                Replica = -1,
            };
        }

        var pools = scenario.Fleet;
        var datacenters = scenario.Datacenters;
        _dcCount = datacenters.Count;
        _m = pools.Sum(p => p.Replicas);
        _poolOf = new int[_m];
        _dcOf = new int[_m];
        _models = new IStepCostModel[pools.Count];
        _floors = new RooflineStepModel[pools.Count];
        var poolKv = new long[pools.Count];
        var r = 0;
        for (var p = 0; p < pools.Count; p++)
        {
            _models[p] = StepCostModels.For(scenario, pools[p]);
            _floors[p] = RooflineStepModel.Floor(scenario.Model, pools[p].GpuModel, pools[p].TensorParallel);
            poolKv[p] = Math.Max(0, KvCache.CapacityTokens(scenario, pools[p]));
            var dc = IndexOf(datacenters, pools[p].Datacenter);
            for (var k = 0; k < pools[p].Replicas; k++, r++)
            {
                _poolOf[r] = p;
                _dcOf[r] = dc;
            }
        }

        _maxTokens = Math.Min(scenario.Model.Shape.MaxContext, poolKv.Length == 0 ? 0 : poolKv.Min());
        _kvCap = new long[_m];
        for (var i = 0; i < _m; i++)
        {
            _kvCap[i] = poolKv[_poolOf[i]];
        }

        _kvUsed = new long[_m];
        _qHead = Filled(_m, -1);
        _qTail = Filled(_m, -1);
        _pHead = Filled(_m, -1);
        _pTail = Filled(_m, -1);
        _pCount = new int[_m];
        _decodeCount = new int[_m];
        _sumCtx = new long[_m];
        _decodeIndex = new long[_m];
        _finishing = new FinishHeap[_m];
        for (var i = 0; i < _m; i++)
        {
            _finishing[i] = new FinishHeap();
        }

        _down = new int[_m];
        _failed = new bool[_m];
        _stepKind = new byte[_m];
        _stepCount = new long[_m];
        _stepEnd = new double[_m];
        _stepBudget = new int[_m];
        _outstanding = new int[_m];
        _events = new IndexedMinHeap(_m);
        _leastOutstanding = new IndexedMinHeap(_m);
        _upList = new int[_m];
        _upPos = Filled(_m, -1);
        _lastPicked = new long[_m];
        _idle = new int[_m];
        _inIdle = new bool[_m];

        _busyByDc = new int[_dcCount];
        _upByDc = new int[_dcCount];
        _replicasByDc = new int[_dcCount];
        _busyAreaDc = new double[_dcCount];
        _upAreaDc = new double[_dcCount];
        _completedDc = new long[_dcCount];
        _tokensDc = new long[_dcCount];
        for (var i = 0; i < _m; i++)
        {
            _replicasByDc[_dcOf[i]]++;
        }

        _failureRandom = SeededRandom.ForStream(scenario.Seed, 3);
        _failureRate = new double[_m];
        _repairSeconds = (scenario.Failures?.RepairHours ?? 0) * 3600;
        for (var i = 0; i < _m; i++)
        {
            _failureRate[i] = (scenario.Failures?.GpuFailuresPerDay ?? 0) * pools[_poolOf[i]].TensorParallel / 86400.0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SimulationResult Execute()
    {
        for (var r = _m - 1; r >= 0; r--)
        {
            Up(r, 0);
            if (_failureRate[r] > 0)
            {
                Schedule(Exponential(_failureRate[r]), FailureEvent, r);
            }
        }

        if (_scenario.Outage is { } outage)
        {
            var dc = IndexOf(_scenario.Datacenters, outage.Datacenter);
            Schedule(outage.FromSecond, OutageStartEvent, dc);
            Schedule(outage.ToSecond, OutageEndEvent, dc);
        }

        var started = _time.GetTimestamp();
        var lastReport = started;
        var nextArrival = 0;
        while (true)
        {
            if ((++_eventCount & 0xFFFF) == 0)
            {
                _ct.ThrowIfCancellationRequested();
                if (_progress is not null && _time.GetElapsedTime(lastReport).TotalMilliseconds >= 250)
                {
                    lastReport = _time.GetTimestamp();
                    _progress.Report(new SimulationProgress(_lastT, _scenario.DurationSeconds, _completed, _n));
                }
            }

            var tA = nextArrival < _n ? _req[nextArrival].Arrival : double.PositiveInfinity;
            var tE = _events.Count > 0 ? _events.MinKey : double.PositiveInfinity;
            var tC = _control.TryPeek(out _, out var priority) ? priority.Time : double.PositiveInfinity;
            if (double.IsPositiveInfinity(tA) && double.IsPositiveInfinity(tE)
                && (_inSystem == 0 || double.IsPositiveInfinity(tC) || _upCount == _m))
            {
                break;
            }

            if (tC <= tA && tC <= tE)
            {
                var (kind, target) = _control.Dequeue();
                Advance(tC);
                Control(kind, target, tC);
            }
            else if (tE <= tA)
            {
                var r = _events.Min;
                Advance(tE);
                EndStep(r, tE);
            }
            else
            {
                Advance(tA);
                Arrive(nextArrival++, tA);
            }
        }

        _eventCount--;
        StrandRemaining();
        _progress?.Report(new SimulationProgress(_lastT, _scenario.DurationSeconds, _completed, _n));
        return BuildResult();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Arrive(int i, double t)
    {
        _inSystem++;
        if (_req[i].Prompt + (long)_req[i].Output > _maxTokens)
        {
            Drop(i, t, tooLong: true);
            return;
        }

        Dispatch(i, t);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Dispatch(int i, double t)
    {
        if (_upCount == 0)
        {
            Drop(i, t, tooLong: false);
            return;
        }

        switch (_routing)
        {
            case RoutingPolicy.RoundRobin:
                {
                    var r = _upList[(int)(_roundRobin++ % _upCount)];
                    EnqueueOwn(r, i);
                    if (!_events.Contains(r))
                    {
                        StartStep(r, t);
                    }

                    break;
                }

            case RoutingPolicy.LeastOutstanding:
                {
                    // Ties go to the replica picked longest ago, so equal replicas share load evenly.
                    var r = _leastOutstanding.Min;
                    _lastPicked[r] = ++_roundRobin;
                    EnqueueOwn(r, i);
                    if (!_events.Contains(r))
                    {
                        StartStep(r, t);
                    }

                    break;
                }

            default:
                _req[i].Next = -1;
                if (_sqTail >= 0)
                {
                    _req[_sqTail].Next = i;
                }
                else
                {
                    _sqHead = i;
                }

                _sqTail = i;
                _queued++;
                _req[i].State = Queued;
                _req[i].Replica = -1;
                while (_idleCount > 0)
                {
                    var r = _idle[--_idleCount];
                    _inIdle[r] = false;
                    if (_down[r] == 0 && !_events.Contains(r))
                    {
                        StartStep(r, t);
                        break;
                    }
                }

                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EnqueueOwn(int r, int i)
    {
        _req[i].Next = -1;
        if (_qTail[r] >= 0)
        {
            _req[_qTail[r]].Next = i;
        }
        else
        {
            _qHead[r] = i;
        }

        _qTail[r] = i;
        _queued++;
        _req[i].State = Queued;
        _req[i].Replica = r;
        ChangeOutstanding(r, +1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ChangeOutstanding(int r, int delta)
    {
        _outstanding[r] += delta;
        if (_leastOutstanding.Contains(r))
        {
            _leastOutstanding.Update(r, _outstanding[r], _lastPicked[r]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StartStep(int r, double t)
    {
        var pool = _poolOf[r];
        var admitted = _pCount[r] + _decodeCount[r];
        while (!_policy.IsFull(admitted))
        {
            var q = _shared ? _sqHead : _qHead[r];
            if (q < 0)
            {
                break;
            }

            var need = BatchingPolicy.KvReservation(_req[q].Prompt, _req[q].Output);
            if (!_policy.CanAdmit(admitted, _kvUsed[r], need, _kvCap[r]))
            {
                break;
            }

            if (_shared)
            {
                _sqHead = _req[q].Next;
                if (_sqHead < 0)
                {
                    _sqTail = -1;
                }

                ChangeOutstanding(r, +1);
            }
            else
            {
                _qHead[r] = _req[q].Next;
                if (_qHead[r] < 0)
                {
                    _qTail[r] = -1;
                }
            }

            _queued--;
            _kvUsed[r] += need;
            _req[q].Admitted = t;
            _req[q].State = Prefilling;
            _req[q].Replica = r;
            _req[q].Remaining = _req[q].Prompt;
            _req[q].Next = -1;
            if (_pTail[r] >= 0)
            {
                _req[_pTail[r]].Next = q;
            }
            else
            {
                _pHead[r] = q;
            }

            _pTail[r] = q;
            _pCount[r]++;
            admitted++;
            _admittedTotal++;
        }

        double seconds;
        long steps = 1;
        byte kind;
        if (_pCount[r] > 0)
        {
            long tokens = 0;
            double squares = 0;
            if (!_policy.DecodesDuringPrefill)
            {
                for (var q = _pHead[r]; q >= 0; q = _req[q].Next)
                {
                    tokens += _req[q].Remaining;
                    squares += (double)_req[q].Remaining * _req[q].Remaining;
                }

                kind = PrefillOnlyStep;
                seconds = Cost(pool, new StepShape(tokens, squares, 0, 0));
            }
            else
            {
                var budget = _policy.PrefillBudget(_decodeCount[r]);
                for (var q = _pHead[r]; q >= 0 && budget > 0; q = _req[q].Next)
                {
                    var take = Math.Min(budget, _req[q].Remaining);
                    tokens += take;
                    squares += (double)take * take;
                    budget -= take;
                }

                kind = MixedStep;
                _stepBudget[r] = (int)tokens;
                seconds = Cost(pool, new StepShape(tokens, squares, _decodeCount[r], _sumCtx[r]));
            }
        }
        else if (_decodeCount[r] > 0)
        {
            kind = DecodeStep;
            var batch = _decodeCount[r];
            var head = _qHead[r];
            var frozen = _policy.IsFull(admitted)
                || (!_shared && head >= 0 && !_policy.CanAdmit(admitted, _kvUsed[r], BatchingPolicy.KvReservation(_req[head].Prompt, _req[head].Output), _kvCap[r]));
            steps = frozen ? _finishing[r].MinKey - _decodeIndex[r] : 1;
            seconds = 0;
            var ctx = _sumCtx[r];
            var lastShape = new StepShape(0, 0, batch, ctx + ((steps - 1) * batch));
            if (steps > 1 && _models[pool] is FixedStepModel fixedModel && fixedModel.StepSeconds(lastShape) >= _floors[pool].StepSeconds(lastShape))
            {
                // A fixed decode step is constant and the floor only grows with context: no step of the run is clamped.
                seconds = steps * fixedModel.StepSeconds(lastShape);
            }
            else
            {
                for (long s = 0; s < steps; s++)
                {
                    seconds += Cost(pool, new StepShape(0, 0, batch, ctx));
                    ctx += batch;
                }
            }
        }
        else
        {
            if (_shared && !_inIdle[r])
            {
                _inIdle[r] = true;
                _idle[_idleCount++] = r;
            }

            return;
        }

        _stepKind[r] = kind;
        _stepCount[r] = steps;
        _stepEnd[r] = t + seconds;
        if (_events.Contains(r))
        {
            _events.Update(r, t + seconds);
        }
        else
        {
            _events.Insert(r, t + seconds);
        }

        _busyCount++;
        _busyByDc[_dcOf[r]]++;
        _stepEvents++;
        _steps += steps;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Cost(int pool, in StepShape shape)
    {
        var seconds = _models[pool].StepSeconds(shape);
        var floor = _floors[pool].StepSeconds(shape);
        if (seconds < floor)
        {
            _clamped++;
            return floor;
        }

        return seconds;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EndStep(int r, double t)
    {
        // r stays in the event heap: StartStep re-keys it (one sift instead of a remove and an insert) or removes it.
        _busyCount--;
        _busyByDc[_dcOf[r]]--;
        var kind = _stepKind[r];
        if (kind == PrefillOnlyStep)
        {
            var q = _pHead[r];
            _pHead[r] = _pTail[r] = -1;
            while (q >= 0)
            {
                var following = _req[q].Next;
                CompletePrefill(r, q, t);
                q = following;
            }
        }
        else
        {
            var steps = kind == DecodeStep ? _stepCount[r] : 1;
            _decodeIndex[r] += steps;
            _sumCtx[r] += steps * _decodeCount[r];
            var heap = _finishing[r];
            while (heap.Count > 0 && heap.MinKey <= _decodeIndex[r])
            {
                var q = heap.MinItem;
                heap.Pop();
                Finish(r, q, t, decoding: true);
            }

            if (kind == MixedStep)
            {
                var budget = _stepBudget[r];
                while (budget > 0 && _pHead[r] >= 0)
                {
                    var q = _pHead[r];
                    var take = Math.Min(budget, _req[q].Remaining);
                    _req[q].Remaining -= take;
                    budget -= take;
                    if (_req[q].Remaining > 0)
                    {
                        break;
                    }

                    _pHead[r] = _req[q].Next;
                    if (_pHead[r] < 0)
                    {
                        _pTail[r] = -1;
                    }

                    CompletePrefill(r, q, t);
                }
            }
        }

        StartStep(r, t);
        if (_stepEnd[r] <= t && _events.Contains(r))
        {
            _events.Remove(r);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CompletePrefill(int r, int q, double t)
    {
        _pCount[r]--;
        _req[q].FirstToken = t;
        if (_req[q].Output == 1)
        {
            Finish(r, q, t, decoding: false);
            return;
        }

        _req[q].State = Decoding;
        _decodeCount[r]++;
        _sumCtx[r] += _req[q].Prompt + 1;
        _finishing[r].Push(_decodeIndex[r] + _req[q].Output - 1, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finish(int r, int q, double t, bool decoding)
    {
        _req[q].Finished = t;
        _req[q].State = Done;
        _kvUsed[r] -= BatchingPolicy.KvReservation(_req[q].Prompt, _req[q].Output);
        if (decoding)
        {
            _decodeCount[r]--;
            _sumCtx[r] -= _req[q].Prompt + (long)_req[q].Output;
        }

        _admittedTotal--;
        _inSystem--;
        _completed++;
        _completedDc[_dcOf[r]]++;
        _tokensDc[_dcOf[r]] += _req[q].Output;
        ChangeOutstanding(r, -1);
    }

    private void Drop(int i, double t, bool tooLong)
    {
        _req[i].State = DroppedState;
        _req[i].Finished = t;
        _inSystem--;
        if (tooLong)
        {
            _droppedTooLong++;
        }
        else
        {
            _droppedNoCapacity++;
        }
    }

    private void Control(byte kind, int target, double t)
    {
        switch (kind)
        {
            case FailureEvent:
                _failed[target] = true;
                SetDown(target, +1, t);
                Schedule(t + _repairSeconds, RepairEvent, target);
                break;
            case RepairEvent:
                _failed[target] = false;
                SetDown(target, -1, t);
                Schedule(t + Exponential(_failureRate[target]), FailureEvent, target);
                break;
            default:
                for (var r = 0; r < _m; r++)
                {
                    if (_dcOf[r] == target)
                    {
                        SetDown(r, kind == OutageStartEvent ? +1 : -1, t);
                    }
                }

                break;
        }
    }

    private void SetDown(int r, int delta, double t)
    {
        var wasUp = _down[r] == 0;
        _down[r] += delta;
        if (wasUp && _down[r] > 0)
        {
            Down(r, t);
        }
        else if (!wasUp && _down[r] == 0)
        {
            Up(r, t);
        }
    }

    private void Down(int r, double t)
    {
        if (_events.Contains(r))
        {
            _events.Remove(r);
            _busyCount--;
            _busyByDc[_dcOf[r]]--;
        }

        var victims = new List<int>();
        for (var q = _qHead[r]; q >= 0; q = _req[q].Next)
        {
            victims.Add(q);
        }

        for (var q = _pHead[r]; q >= 0; q = _req[q].Next)
        {
            victims.Add(q);
        }

        var heap = _finishing[r];
        for (var k = 0; k < heap.Count; k++)
        {
            victims.Add(heap.ItemAt(k));
        }

        victims.Sort();
        heap.Clear();
        _qHead[r] = _qTail[r] = _pHead[r] = _pTail[r] = -1;
        _pCount[r] = _decodeCount[r] = 0;
        _kvUsed[r] = _sumCtx[r] = 0;
        _outstanding[r] = 0;

        var pos = _upPos[r];
        var last = _upList[--_upCount];
        _upList[pos] = last;
        _upPos[last] = pos;
        _upPos[r] = -1;
        _upByDc[_dcOf[r]]--;
        if (_leastOutstanding.Contains(r))
        {
            _leastOutstanding.Remove(r);
        }

        foreach (var q in victims)
        {
            if (_req[q].State == Queued)
            {
                _queued--;
            }
            else
            {
                _admittedTotal--;
            }

            _req[q].Admitted = double.NaN;
            _req[q].FirstToken = double.NaN;
            _restarted++;
            Dispatch(q, t);
        }
    }

    private void Up(int r, double t)
    {
        _upPos[r] = _upCount;
        _upList[_upCount++] = r;
        _upByDc[_dcOf[r]]++;
        _leastOutstanding.Insert(r, _outstanding[r], _lastPicked[r]);
        if (_shared)
        {
            if (_sqHead >= 0)
            {
                StartStep(r, t);
            }
            else if (!_inIdle[r])
            {
                _inIdle[r] = true;
                _idle[_idleCount++] = r;
            }
        }
    }

    private void Schedule(double t, byte kind, int target) => _control.Enqueue((kind, target), (t, _controlSeq++));

    private double Exponential(double rate) => -Math.Log(1.0 - _failureRandom.NextDouble()) / rate;

    private void StrandRemaining()
    {
        for (var i = 0; i < _n; i++)
        {
            if (_req[i].State is Queued or Prefilling or Decoding)
            {
                _req[i].State = DroppedState;
                _req[i].Finished = _lastT;
                _stranded++;
                _inSystem--;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Advance(double t)
    {
        if (t <= _lastT)
        {
            return;
        }

        var dt = t - _lastT;
        _areaInSystem += _inSystem * dt;
        _areaAdmitted += _admittedTotal * dt;
        _areaBusy += _busyCount * dt;
        _areaUp += _upCount * dt;
        for (var d = 0; d < _dcCount; d++)
        {
            _busyAreaDc[d] += _busyByDc[d] * dt;
            _upAreaDc[d] += _upByDc[d] * dt;
        }

        var last = _minuteQueued.Count - 1;
        if (last >= 0 && t <= (last + 1) * 60.0 && _lastT >= last * 60.0)
        {
            // The common case: still inside the current minute.
            _minuteQueued[last] += _queued * dt;
            _minuteAdmitted[last] += _admittedTotal * dt;
            _minuteBusy[last] += _busyCount * dt;
            _minuteUp[last] += _upCount * dt;
            _lastT = t;
            return;
        }

        var from = _lastT;
        while (from < t)
        {
            var minute = (int)(from / 60);
            while (_minuteQueued.Count <= minute)
            {
                _minuteQueued.Add(0);
                _minuteAdmitted.Add(0);
                _minuteBusy.Add(0);
                _minuteUp.Add(0);
            }

            var end = Math.Min(t, (minute + 1) * 60.0);
            if (end <= from)
            {
                end = t;
            }

            var seg = end - from;
            _minuteQueued[minute] += _queued * seg;
            _minuteAdmitted[minute] += _admittedTotal * seg;
            _minuteBusy[minute] += _busyCount * seg;
            _minuteUp[minute] += _upCount * seg;
            from = end;
        }

        _lastT = t;
    }

    private SimulationResult BuildResult()
    {
        var slo = _scenario.Slo;
        var makespan = _lastT;
        var done = new List<CompletedRequest>((int)_completed);
        var wait = new List<double>((int)_completed);
        long waited = 0;
        double timeInSystem = 0;
        for (var i = 0; i < _n; i++)
        {
            timeInSystem += _req[i].Finished - _req[i].Arrival;
            if (_req[i].State != Done)
            {
                continue;
            }

            var w = _req[i].Admitted - _req[i].Arrival;
            done.Add(new CompletedRequest(_req[i].Arrival, _req[i].FirstToken, _req[i].Finished, _req[i].Prompt, _req[i].Output));
            wait.Add(w);
            waited += w > 1e-12 ? 1 : 0;
        }

        var dropped = _droppedNoCapacity + _droppedTooLong + _stranded;
        var summary = ServingSummary.Compute(CollectionsMarshal.AsSpan(done), _n, slo, makespan);
        double Rate(double x) => makespan > 0 ? x / makespan : 0;
        var meanInSystem = makespan > 0 ? _areaInSystem / makespan : 0;
        var departures = Rate(_completed + dropped);
        var meanTime = _n > 0 ? timeInSystem / _n : 0;
        var littleError = meanInSystem > 0 ? Math.Abs(meanInSystem - (departures * meanTime)) / meanInSystem : 0;

        var warnings = new List<string>();
        if (_clamped > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{_clamped} of {_steps} steps were faster than the roofline floor (datasheet peaks at 100 %) and were slowed to it: the performance model claims more than the hardware allows."));
        }

        if (_droppedTooLong > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{_droppedTooLong} requests were longer than the model context or a replica's KV cache ({_maxTokens} tokens) and were dropped."));
        }

        if (_droppedNoCapacity > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{_droppedNoCapacity} requests arrived while no replica was up and were dropped."));
        }

        if (_stranded > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{_stranded} requests were still waiting when nothing more could happen (no replica would come back) and count as dropped."));
        }

        if (makespan > 1.5 * _scenario.DurationSeconds && makespan - _scenario.DurationSeconds > 60)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The fleet did not keep up: {_scenario.DurationSeconds:F0} s of arrivals took {makespan:F0} s to drain; latencies grow with the run length."));
        }

        var datacenters = new List<DatacenterStats>();
        for (var d = 0; d < _dcCount; d++)
        {
            datacenters.Add(new DatacenterStats(_scenario.Datacenters[d], _replicasByDc[d], _completedDc[d], _tokensDc[d],
                _upAreaDc[d] > 0 ? _busyAreaDc[d] / _upAreaDc[d] : 0));
        }

        var minutes = new List<MinutePoint>(_minuteQueued.Count);
        for (var k = 0; k < _minuteQueued.Count; k++)
        {
            var span = Math.Min(60, makespan - (k * 60.0));
            if (span <= 0)
            {
                break;
            }

            minutes.Add(new MinutePoint(k, _minuteQueued[k] / span, _minuteBusy[k] > 0 ? _minuteAdmitted[k] / _minuteBusy[k] : 0,
                _minuteUp[k] > 0 ? _minuteBusy[k] / _minuteUp[k] : 0, _minuteUp[k] / span));
        }

        return new SimulationResult
        {
            Scenario = _scenario.Name,
            Seed = _scenario.Seed,
            Gpus = _scenario.Fleet.Sum(p => p.Gpus),
            Replicas = _m,
            DurationSeconds = _scenario.DurationSeconds,
            MakespanSeconds = makespan,
            Requests = _n,
            Completed = _completed,
            Dropped = dropped,
            DroppedNoCapacity = _droppedNoCapacity + _stranded,
            DroppedTooLong = _droppedTooLong,
            Restarted = _restarted,
            Ttft = summary.Ttft,
            Tpot = summary.Tpot,
            E2e = summary.E2e,
            Wait = LatencyStatistics.Of(wait, 50, out _),
            WaitProbability = _completed > 0 ? (double)waited / _completed : 0,
            ThroughputTokensPerSecond = summary.ThroughputTokensPerSecond,
            PromptTokensPerSecond = summary.PromptTokensPerSecond,
            ThroughputRequestsPerSecond = summary.ThroughputRequestsPerSecond,
            Goodput = summary.Goodput,
            SloAttainment = summary.SloAttainment,
            Slo = summary.Slo,
            Utilization = _areaUp > 0 ? _areaBusy / _areaUp : 0,
            MeanBatchSize = _areaBusy > 0 ? _areaAdmitted / _areaBusy : 0,
            LittlesLaw = new LittlesLawCheck(meanInSystem, departures, meanTime, littleError),
            Datacenters = datacenters,
            PerMinute = minutes,
            Engine = new EngineStats(_eventCount, _stepEvents, _steps, _clamped),
            Warnings = warnings,
            Summary = summary,
            Records = Records(),
        };
    }

    private RequestRecords Records()
    {
        var (arrival, prompt, output) = (new double[_n], new int[_n], new int[_n]);
        var (admitted, first, finished, replica) = (new double[_n], new double[_n], new double[_n], new int[_n]);
        for (var i = 0; i < _n; i++)
        {
            ref readonly var q = ref _req[i];
            (arrival[i], prompt[i], output[i]) = (q.Arrival, q.Prompt, q.Output);
            (admitted[i], first[i], finished[i], replica[i]) = (q.Admitted, q.FirstToken, q.Finished, q.Replica);
        }

        return new RequestRecords(arrival, prompt, output, admitted, first, finished, replica);
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return -1;
    }

    private static T[] Filled<T>(int n, T value)
    {
        var a = new T[n];
        Array.Fill(a, value);
        return a;
    }
}

/// <summary>One request's simulation state, kept together so a replica touching a request touches one cache line.</summary>
internal struct RequestState
{
    public double Arrival;
    public double Admitted;
    public double FirstToken;
    public double Finished;
    public int Prompt;
    public int Output;
    public int Next;
    public int Remaining;
    public int Replica;
    public byte State;
}
