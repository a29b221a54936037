using System.Runtime.CompilerServices;
using Fleet.Domain.Serving;
using Fleet.Planning.Analytic;
using Fleet.Planning.Performance;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Workload;

namespace Fleet.Planning.Simulation;

/// <summary>
/// The event loop of one simulation (used once): arrivals, routing, admission, steps, completions, failures and
/// outages. Statistics live in <see cref="RunStatistics"/>, the result in <see cref="SimulationResultBuilder"/>.
/// </summary>
/// <remarks>
/// A replica's batch changes only at arrivals, admissions, completions and failures, so between two of them it runs
/// its decode steps as one event (<see cref="DecodeRun"/>): to the step at which the next sequence finishes (the
/// finish heap's minimum, relative to the replica's decode-step counter). A request routed to a replica in such a run
/// cuts the run at the end of the step in progress, as a step-by-step engine would admit it there; in shared-queue
/// mode a request that no idle replica takes cuts every open run. <c>stepByStep</c> keeps one event per step, the
/// reference the jump is tested against.
/// <para>
/// A run covers one <see cref="SimulationPart"/>: all replicas and requests, or, where no event on one replica can touch
/// another (round-robin routing, no failures, no outage), a contiguous range of replicas with the requests routed to
/// them, so parts run side by side on their own threads and their statistics add up (<see cref="RunStatistics.Add"/>).
/// </para>
/// </remarks>
internal sealed class SimulationRun
{
    private readonly Scenario _scenario;
    private readonly TimeProvider _time;
    private readonly IProgress<SimulationProgress>? _progress;
    private readonly CancellationToken _ct;
    private readonly BatchingPolicy _policy;
    private readonly bool _shared;
    private readonly bool _leastOutstandingRouting;
    private readonly bool _stepByStep;
    private readonly RoutingPolicy _routing;
    private readonly RunStatistics _stats;

    // Requests (one struct each, shared by the parts of a run: each part touches only its own).
    private readonly int _n;
    private readonly int[]? _order;
    private readonly int[]? _assigned;
    private readonly RequestState[] _req;
    private readonly long _maxTokens;

    // Replicas: this part's are [_from, _to) of _m.
    private readonly int _m;
    private readonly int _from, _to;
    private readonly int[] _poolOf;
    private readonly int[] _dcOf;
    private readonly IStepCostModel[] _models;
    private readonly RooflineStepModel[] _floors;
    private readonly DecodeRun[] _decodeRuns;
    private readonly long[] _kvCap;
    private readonly long[] _kvUsed;
    private readonly int[] _qHead, _qTail;
    private readonly int[] _pHead, _pTail, _pCount;
    private readonly int[] _decodeCount;
    private readonly long[] _sumCtx;
    private readonly long[] _decodeIndex;
    private readonly FinishHeap[] _finishing;
    private readonly int[] _down;
    private readonly StepKind[] _stepKind;
    private readonly long[] _stepCount;
    private readonly long[] _stepClamped;
    private readonly double[] _stepStart;
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

    // Replicas in a decode run that an arrival may cut (room in the batch, nothing queued for them).
    private readonly int[] _openList, _openPos;
    private int _openCount;

    private readonly PriorityQueue<(ControlKind Kind, int Target), (double Time, long Seq)> _control = new();
    private long _controlSeq;
    private readonly Random _failureRandom;
    private readonly double[] _failureRate;
    private readonly double _repairSeconds;

    public SimulationRun(Scenario scenario, RequestState[] requests, SimulationPart part, TimeProvider time, IProgress<SimulationProgress>? progress, CancellationToken ct, bool stepByStep = false)
    {
        _scenario = scenario;
        _time = time;
        _progress = progress;
        _ct = ct;
        _stepByStep = stepByStep;
        _policy = scenario.Scheduler.Policy;
        _routing = scenario.Scheduler.Routing;
        _shared = _routing == RoutingPolicy.SharedQueue;
        _leastOutstandingRouting = _routing == RoutingPolicy.LeastOutstanding;

        _req = requests;
        _order = part.Requests;
        _assigned = part.Assigned;
        _n = _order?.Length ?? requests.Length;

        var pools = scenario.Fleet;
        var datacenters = scenario.Datacenters;
        _m = pools.Sum(p => p.Replicas);
        (_from, _to) = (part.ReplicaFrom, part.ReplicaTo < 0 ? _m : part.ReplicaTo);
        _poolOf = new int[_m];
        _dcOf = new int[_m];
        _models = new IStepCostModel[pools.Count];
        _floors = new RooflineStepModel[pools.Count];
        _decodeRuns = new DecodeRun[pools.Count];
        var poolKv = new long[pools.Count];
        var r = 0;
        for (var p = 0; p < pools.Count; p++)
        {
            _models[p] = StepCostModels.For(scenario, pools[p]);
            _floors[p] = RooflineStepModel.Floor(scenario.Model, pools[p].GpuModel, pools[p].TensorParallel);
            _decodeRuns[p] = new DecodeRun(_models[p], _floors[p]);
            poolKv[p] = Math.Max(0, KvCache.CapacityTokens(scenario, pools[p]));
            var dc = IndexOf(datacenters, pools[p].Datacenter);
            for (var k = 0; k < pools[p].Replicas; k++, r++)
            {
                _poolOf[r] = p;
                _dcOf[r] = dc;
            }
        }

        _maxTokens = MaxTokens(scenario, poolKv);
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
        _stepKind = new StepKind[_m];
        _stepCount = new long[_m];
        _stepClamped = new long[_m];
        _stepStart = new double[_m];
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
        _openList = new int[_m];
        _openPos = Filled(_m, -1);
        _stats = new RunStatistics(_dcOf, datacenters.Count);

        _failureRandom = SeededRandom.ForStream(scenario.Seed, 3);
        _failureRate = new double[_m];
        _repairSeconds = (scenario.Failures?.RepairHours ?? 0) * 3600;
        for (var i = 0; i < _m; i++)
        {
            _failureRate[i] = (scenario.Failures?.GpuFailuresPerDay ?? 0) * pools[_poolOf[i]].TensorParallel / 86400.0;
        }
    }

    // AggressiveOptimization on the event handlers only: the runtime never inlines a method that carries it, so the
    // small helpers they call (Arrive, EnqueueOwn, Finish, ...) go without and are inlined into them fully optimised.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RunStatistics Execute()
    {
        for (var r = _to - 1; r >= _from; r--)
        {
            Up(r, 0);
            if (_failureRate[r] > 0)
            {
                Schedule(Exponential(_failureRate[r]), ControlKind.Failure, r);
            }
        }

        if (_scenario.Outage is { } outage)
        {
            var dc = IndexOf(_scenario.Datacenters, outage.Datacenter);
            Schedule(outage.FromSecond, ControlKind.OutageStart, dc);
            Schedule(outage.ToSecond, ControlKind.OutageEnd, dc);
        }

        var stats = _stats;
        var lastReport = _time.GetTimestamp();
        var nextArrival = 0;
        var order = _order;
        while (true)
        {
            if ((++stats.Events & 0xFFFF) == 0)
            {
                _ct.ThrowIfCancellationRequested();
                if (_progress is not null && _time.GetElapsedTime(lastReport).TotalMilliseconds >= 250)
                {
                    lastReport = _time.GetTimestamp();
                    _progress.Report(new SimulationProgress(stats.Now, _scenario.DurationSeconds, stats.Completed, _n));
                }
            }

            var arriving = order is null ? nextArrival : nextArrival < _n ? order[nextArrival] : -1;
            var tA = nextArrival < _n ? _req[arriving].Arrival : double.PositiveInfinity;
            var tE = _events.Count > 0 ? _events.MinKey : double.PositiveInfinity;
            var tC = _control.TryPeek(out _, out var priority) ? priority.Time : double.PositiveInfinity;
            if (double.IsPositiveInfinity(tA) && double.IsPositiveInfinity(tE)
                && (stats.InSystem == 0 || double.IsPositiveInfinity(tC) || _upCount == _to - _from))
            {
                break;
            }

            if (tC <= tA && tC <= tE)
            {
                var (kind, target) = _control.Dequeue();
                stats.Advance(tC);
                Control(kind, target, tC);
            }
            else if (tE <= tA)
            {
                var r = _events.Min;
                stats.Advance(tE);
                EndStep(r, tE);
            }
            else
            {
                stats.Advance(tA);
                nextArrival++;
                Arrive(arriving, tA);
            }
        }

        stats.Events--;
        StrandRemaining();
        _progress?.Report(new SimulationProgress(stats.Now, _scenario.DurationSeconds, stats.Completed, _n));
        return stats;
    }

    /// <summary>The longest request (prompt + output tokens) any replica can hold: the model's context or the smallest KV cache.</summary>
    public long MaxTokens() => _maxTokens;

    /// <summary>Every request's state before the run: arrived at its time, nothing else yet.</summary>
    public static RequestState[] States(RequestSet requests)
    {
        var states = new RequestState[requests.Count];
        for (var i = 0; i < states.Length; i++)
        {
            states[i] = new RequestState
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

        return states;
    }

    /// <summary>
    /// Whether no event on one replica can touch another: requests go round-robin (fixed by arrival order), and no
    /// failure or outage moves them, so the replicas can run in parts.
    /// </summary>
    public static bool Separable(Scenario scenario) =>
        scenario.Scheduler.Routing == RoutingPolicy.RoundRobin && scenario.Outage is null && (scenario.Failures?.GpuFailuresPerDay ?? 0) <= 0;

    /// <summary>
    /// The replica each request is routed to under round-robin with every replica up: the k-th request that fits goes to
    /// the k-th replica in the order they came up (the last first); −1 for a request too long for any replica.
    /// </summary>
    public static int[] RoundRobinTargets(Scenario scenario, RequestState[] requests)
    {
        var pools = scenario.Fleet;
        var m = pools.Sum(p => p.Replicas);
        var maxTokens = MaxTokens(scenario, pools.Select(p => Math.Max(0, KvCache.CapacityTokens(scenario, p))).ToArray());
        var targets = new int[requests.Length];
        long k = 0;
        for (var i = 0; i < requests.Length; i++)
        {
            targets[i] = requests[i].Prompt + (long)requests[i].Output > maxTokens ? -1 : m - 1 - (int)(k++ % m);
        }

        return targets;
    }

    private static long MaxTokens(Scenario scenario, long[] poolKv) => Math.Min(scenario.Model.Shape.MaxContext, poolKv.Length == 0 ? 0 : poolKv.Min());

    private void Arrive(int i, double t)
    {
        _stats.InSystem++;
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
                DispatchTo(_assigned is null ? _upList[(int)(_roundRobin++ % _upCount)] : _assigned[i], i, t);
                break;

            case RoutingPolicy.LeastOutstanding:
                {
                    // Ties go to the replica picked longest ago, so equal replicas share load evenly.
                    var r = _leastOutstanding.Min;
                    _lastPicked[r] = ++_roundRobin;
                    DispatchTo(r, i, t);
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
                _stats.Queued++;
                _req[i].Phase = RequestPhase.Queued;
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

                // Still queued: every replica with room takes it (or the next) at the end of its current step.
                while (_sqHead >= 0 && _openCount > 0)
                {
                    // CutRun closes the run, so this visits each open replica once.
                    CutRun(_openList[_openCount - 1], t);
                }

                break;
        }
    }

    private void DispatchTo(int r, int i, double t)
    {
        EnqueueOwn(r, i);
        if (!_events.Contains(r))
        {
            StartStep(r, t);
        }
        else if (_openPos[r] >= 0)
        {
            CutRun(r, t);
        }
    }

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
        _stats.Queued++;
        _req[i].Phase = RequestPhase.Queued;
        _req[i].Replica = r;
        ChangeOutstanding(r, +1);
    }

    private void ChangeOutstanding(int r, int delta)
    {
        _outstanding[r] += delta;
        if (_leastOutstandingRouting && _leastOutstanding.Contains(r))
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

            _stats.Queued--;
            _kvUsed[r] += need;
            _req[q].Admitted = t;
            _req[q].Phase = RequestPhase.Prefilling;
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
            _stats.Admitted++;
        }

        double seconds;
        long steps = 1;
        long clamped = 0;
        StepKind kind;
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

                kind = StepKind.PrefillOnly;
                seconds = Cost(pool, new StepShape(tokens, squares, 0, 0), ref clamped);
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

                kind = StepKind.Mixed;
                _stepBudget[r] = (int)tokens;
                seconds = Cost(pool, new StepShape(tokens, squares, _decodeCount[r], _sumCtx[r]), ref clamped);
            }
        }
        else if (_decodeCount[r] > 0)
        {
            kind = StepKind.Decode;
            var batch = _decodeCount[r];
            var open = false;
            if (!_stepByStep)
            {
                // After admission either the batch is full, or nothing is queued for this replica, or the head of its
                // queue does not fit: only a completion (or an arrival, when nothing is queued) can change the batch.
                var head = _shared ? _sqHead : _qHead[r];
                var frozen = _policy.IsFull(admitted) || (!_shared && head >= 0);
                open = !frozen && head < 0;
                steps = frozen || open ? _finishing[r].MinKey - _decodeIndex[r] : 1;
            }

            seconds = steps == 1
                ? Cost(pool, new StepShape(0, 0, batch, _sumCtx[r]), ref clamped)
                : _decodeRuns[pool].Seconds(batch, _sumCtx[r], steps, out clamped);
            if (open && steps > 1)
            {
                Open(r);
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
        _stepClamped[r] = clamped;
        _stepStart[r] = t;
        _stepEnd[r] = t + seconds;
        if (_events.Contains(r))
        {
            _events.Update(r, t + seconds);
        }
        else
        {
            _events.Insert(r, t + seconds);
        }

        _stats.ChangeBusy(r, +1);
        _stats.StepEvents++;
        _stats.Steps += steps;
        _stats.Clamped += clamped;
    }

    private double Cost(int pool, in StepShape shape, ref long clamped)
    {
        var seconds = _models[pool].StepSeconds(shape);
        var floor = _floors[pool].StepSeconds(shape);
        if (seconds < floor)
        {
            clamped++;
            return floor;
        }

        return seconds;
    }

    /// <summary>Marks <paramref name="r"/>'s decode run as one an arrival for it cuts short.</summary>
    private void Open(int r)
    {
        if (_openPos[r] >= 0)
        {
            return;
        }

        _openPos[r] = _openCount;
        _openList[_openCount++] = r;
    }

    private void Close(int r)
    {
        var pos = _openPos[r];
        if (pos < 0)
        {
            return;
        }

        var last = _openList[--_openCount];
        _openList[pos] = last;
        _openPos[last] = pos;
        _openPos[r] = -1;
    }

    /// <summary>
    /// Ends <paramref name="r"/>'s open decode run with the step in progress at <paramref name="t"/> (a step that
    /// starts exactly at <paramref name="t"/> counts as in progress: a step-by-step engine ends the step before it
    /// first, then routes the arrival), so the batch can change there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CutRun(int r, double t)
    {
        Close(r);
        var started = _decodeRuns[_poolOf[r]].StartedBy(_decodeCount[r], _sumCtx[r], _stepCount[r], t - _stepStart[r], inclusive: true, out var seconds, out var clamped);
        started = Math.Max(1, started);
        if (started >= _stepCount[r])
        {
            return;
        }

        Shorten(r, started, seconds, clamped);
        _events.Update(r, _stepEnd[r]);
    }

    private void Shorten(int r, long steps, double seconds, long clamped)
    {
        _stats.Steps -= _stepCount[r] - steps;
        _stats.Clamped -= _stepClamped[r] - clamped;
        _stepCount[r] = steps;
        _stepClamped[r] = clamped;
        _stepEnd[r] = _stepStart[r] + seconds;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EndStep(int r, double t)
    {
        // r stays in the event heap: StartStep re-keys it (one sift instead of a remove and an insert) or removes it.
        Close(r);
        _stats.ChangeBusy(r, -1);
        var kind = _stepKind[r];
        if (kind == StepKind.PrefillOnly)
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
            var steps = kind == StepKind.Decode ? _stepCount[r] : 1;
            _decodeIndex[r] += steps;
            _sumCtx[r] += steps * _decodeCount[r];
            var heap = _finishing[r];
            while (heap.Count > 0 && heap.MinKey <= _decodeIndex[r])
            {
                var q = heap.MinItem;
                heap.Pop();
                Finish(r, q, t, decoding: true);
            }

            if (kind == StepKind.Mixed)
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

    private void CompletePrefill(int r, int q, double t)
    {
        _pCount[r]--;
        _req[q].FirstToken = t;
        if (_req[q].Output == 1)
        {
            Finish(r, q, t, decoding: false);
            return;
        }

        _req[q].Phase = RequestPhase.Decoding;
        _decodeCount[r]++;
        _sumCtx[r] += _req[q].Prompt + 1;
        _finishing[r].Push(_decodeIndex[r] + _req[q].Output - 1, q);
    }

    private void Finish(int r, int q, double t, bool decoding)
    {
        _req[q].Finished = t;
        _req[q].Phase = RequestPhase.Done;
        _kvUsed[r] -= BatchingPolicy.KvReservation(_req[q].Prompt, _req[q].Output);
        if (decoding)
        {
            _decodeCount[r]--;
            _sumCtx[r] -= _req[q].Prompt + (long)_req[q].Output;
        }

        _stats.Admitted--;
        _stats.InSystem--;
        _stats.Complete(r, _req[q].Output);
        ChangeOutstanding(r, -1);
    }

    private void Drop(int i, double t, bool tooLong)
    {
        _req[i].Phase = RequestPhase.Dropped;
        _req[i].Finished = t;
        _stats.InSystem--;
        if (tooLong)
        {
            _stats.DroppedTooLong++;
        }
        else
        {
            _stats.DroppedNoCapacity++;
        }
    }

    private void Control(ControlKind kind, int target, double t)
    {
        switch (kind)
        {
            case ControlKind.Failure:
                SetDown(target, +1, t);
                Schedule(t + _repairSeconds, ControlKind.Repair, target);
                break;
            case ControlKind.Repair:
                SetDown(target, -1, t);
                Schedule(t + Exponential(_failureRate[target]), ControlKind.Failure, target);
                break;
            default:
                for (var r = 0; r < _m; r++)
                {
                    if (_dcOf[r] == target)
                    {
                        SetDown(r, kind == ControlKind.OutageStart ? +1 : -1, t);
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
        Close(r);
        if (_events.Contains(r))
        {
            if (_stepKind[r] == StepKind.Decode && _stepCount[r] > 1)
            {
                // The steps that had started count; a step starting exactly now never does (the failure comes first).
                var started = _decodeRuns[_poolOf[r]].StartedBy(_decodeCount[r], _sumCtx[r], _stepCount[r], t - _stepStart[r], inclusive: false, out var seconds, out var clamped);
                Shorten(r, Math.Max(1, started), seconds, clamped);
            }

            _events.Remove(r);
            _stats.ChangeBusy(r, -1);
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
        _stats.ChangeUp(r, -1);
        if (_leastOutstanding.Contains(r))
        {
            _leastOutstanding.Remove(r);
        }

        foreach (var q in victims)
        {
            if (_req[q].Phase == RequestPhase.Queued)
            {
                _stats.Queued--;
            }
            else
            {
                _stats.Admitted--;
            }

            _req[q].Admitted = double.NaN;
            _req[q].FirstToken = double.NaN;
            _stats.Restarted++;
            Dispatch(q, t);
        }
    }

    private void Up(int r, double t)
    {
        _upPos[r] = _upCount;
        _upList[_upCount++] = r;
        _stats.ChangeUp(r, +1);
        if (_leastOutstandingRouting)
        {
            _leastOutstanding.Insert(r, _outstanding[r], _lastPicked[r]);
        }

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

    private void Schedule(double t, ControlKind kind, int target) => _control.Enqueue((kind, target), (t, _controlSeq++));

    private double Exponential(double rate) => -Math.Log(1.0 - _failureRandom.NextDouble()) / rate;

    private void StrandRemaining()
    {
        for (var k = 0; k < _n; k++)
        {
            var i = _order is null ? k : _order[k];
            if (_req[i].Phase is RequestPhase.Queued or RequestPhase.Prefilling or RequestPhase.Decoding)
            {
                _req[i].Phase = RequestPhase.Dropped;
                _req[i].Finished = _stats.Now;
                _stats.Stranded++;
                _stats.InSystem--;
            }
        }
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
