using System.Runtime.CompilerServices;

namespace Fleet.Planning.Simulation;

/// <summary>
/// The counters and time integrals of one run: what is in the system, queued, admitted, busy and up, integrated over
/// simulated time overall, per datacenter and per minute. The event loop moves the counters; <see cref="Advance"/>
/// integrates them up to each event.
/// </summary>
internal sealed class RunStatistics
{
    public RunStatistics(int[] datacenterOf, int datacenters)
    {
        DatacenterOf = datacenterOf;
        BusyByDc = new int[datacenters];
        UpByDc = new int[datacenters];
        ReplicasByDc = new int[datacenters];
        BusyAreaDc = new double[datacenters];
        UpAreaDc = new double[datacenters];
        CompletedDc = new long[datacenters];
        TokensDc = new long[datacenters];
        foreach (var dc in datacenterOf)
        {
            ReplicasByDc[dc]++;
        }
    }

    /// <summary>Replica → datacenter index.</summary>
    public int[] DatacenterOf { get; }

    public int[] BusyByDc { get; }
    public int[] UpByDc { get; }
    public int[] ReplicasByDc { get; }
    public double[] BusyAreaDc { get; }
    public double[] UpAreaDc { get; }
    public long[] CompletedDc { get; }
    public long[] TokensDc { get; }
    private double[] _minuteQueued = new double[64];
    private double[] _minuteAdmitted = new double[64];
    private double[] _minuteBusy = new double[64];
    private double[] _minuteUp = new double[64];

    /// <summary>Minutes integrated so far (0 until the first event after time 0).</summary>
    public int Minutes { get; private set; }

    /// <summary>Per minute, the integral of the queue length (the first <see cref="Minutes"/> entries count).</summary>
    public ReadOnlySpan<double> MinuteQueued => _minuteQueued.AsSpan(0, Minutes);
    public ReadOnlySpan<double> MinuteAdmitted => _minuteAdmitted.AsSpan(0, Minutes);
    public ReadOnlySpan<double> MinuteBusy => _minuteBusy.AsSpan(0, Minutes);
    public ReadOnlySpan<double> MinuteUp => _minuteUp.AsSpan(0, Minutes);

    /// <summary>The simulated time integrated up to.</summary>
    public double Now { get; private set; }

    // Counters the event loop moves directly (hot path).
    public long InSystem;
    public long Queued;
    public long Admitted;
    public int Busy;
    public int Up;
    public long Completed;
    public long DroppedNoCapacity;
    public long DroppedTooLong;
    public long Stranded;
    public long Restarted;
    public long Events;
    public long StepEvents;
    public long Steps;
    public long Clamped;

    public double AreaInSystem { get; private set; }
    public double AreaAdmitted { get; private set; }
    public double AreaBusy { get; private set; }
    public double AreaUp { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ChangeBusy(int replica, int delta)
    {
        Busy += delta;
        BusyByDc[DatacenterOf[replica]] += delta;
    }

    public void ChangeUp(int replica, int delta)
    {
        Up += delta;
        UpByDc[DatacenterOf[replica]] += delta;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Complete(int replica, int outputTokens)
    {
        Completed++;
        CompletedDc[DatacenterOf[replica]]++;
        TokensDc[DatacenterOf[replica]] += outputTokens;
    }

    /// <summary>Integrates the counters from <see cref="Now"/> to <paramref name="t"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Advance(double t)
    {
        if (t <= Now)
        {
            return;
        }

        var dt = t - Now;
        AreaInSystem += InSystem * dt;
        AreaAdmitted += Admitted * dt;
        AreaBusy += Busy * dt;
        AreaUp += Up * dt;
        for (var d = 0; d < BusyByDc.Length; d++)
        {
            BusyAreaDc[d] += BusyByDc[d] * dt;
            UpAreaDc[d] += UpByDc[d] * dt;
        }

        var last = Minutes - 1;
        if (last >= 0 && t <= (last + 1) * 60.0 && Now >= last * 60.0)
        {
            // The common case: still inside the current minute.
            _minuteQueued[last] += Queued * dt;
            _minuteAdmitted[last] += Admitted * dt;
            _minuteBusy[last] += Busy * dt;
            _minuteUp[last] += Up * dt;
            Now = t;
            return;
        }

        var from = Now;
        while (from < t)
        {
            var minute = (int)(from / 60);
            if (Minutes <= minute)
            {
                Grow(minute + 1);
            }

            var end = Math.Min(t, (minute + 1) * 60.0);
            if (end <= from)
            {
                end = t;
            }

            var seg = end - from;
            _minuteQueued[minute] += Queued * seg;
            _minuteAdmitted[minute] += Admitted * seg;
            _minuteBusy[minute] += Busy * seg;
            _minuteUp[minute] += Up * seg;
            from = end;
        }

        Now = t;
    }

    /// <summary>
    /// Adds the counters and integrals of <paramref name="part"/>, a run over other replicas of the same fleet
    /// integrated up to the same time (<see cref="Advance"/> both to the makespan first).
    /// </summary>
    public void Add(RunStatistics part)
    {
        InSystem += part.InSystem;
        Queued += part.Queued;
        Admitted += part.Admitted;
        Busy += part.Busy;
        Up += part.Up;
        Completed += part.Completed;
        DroppedNoCapacity += part.DroppedNoCapacity;
        DroppedTooLong += part.DroppedTooLong;
        Stranded += part.Stranded;
        Restarted += part.Restarted;
        Events += part.Events;
        StepEvents += part.StepEvents;
        Steps += part.Steps;
        Clamped += part.Clamped;
        AreaInSystem += part.AreaInSystem;
        AreaAdmitted += part.AreaAdmitted;
        AreaBusy += part.AreaBusy;
        AreaUp += part.AreaUp;
        for (var d = 0; d < BusyByDc.Length; d++)
        {
            BusyByDc[d] += part.BusyByDc[d];
            UpByDc[d] += part.UpByDc[d];
            BusyAreaDc[d] += part.BusyAreaDc[d];
            UpAreaDc[d] += part.UpAreaDc[d];
            CompletedDc[d] += part.CompletedDc[d];
            TokensDc[d] += part.TokensDc[d];
        }

        if (Minutes < part.Minutes)
        {
            Grow(part.Minutes);
        }

        for (var k = 0; k < part.Minutes; k++)
        {
            _minuteQueued[k] += part._minuteQueued[k];
            _minuteAdmitted[k] += part._minuteAdmitted[k];
            _minuteBusy[k] += part._minuteBusy[k];
            _minuteUp[k] += part._minuteUp[k];
        }

        Now = Math.Max(Now, part.Now);
    }

    /// <summary>Makes <paramref name="minutes"/> minutes count, the new ones at zero.</summary>
    private void Grow(int minutes)
    {
        if (minutes > _minuteQueued.Length)
        {
            var length = Math.Max(minutes, 2 * _minuteQueued.Length);
            Array.Resize(ref _minuteQueued, length);
            Array.Resize(ref _minuteAdmitted, length);
            Array.Resize(ref _minuteBusy, length);
            Array.Resize(ref _minuteUp, length);
        }

        Minutes = minutes;
    }
}
