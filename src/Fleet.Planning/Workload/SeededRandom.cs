namespace Fleet.Planning.Workload;

/// <summary>
/// A seedable xoshiro256** generator behind the <see cref="Random"/> API. System.Random with a seed falls back to the
/// legacy subtractive generator, whose streams for nearby seeds are correlated and whose doubles carry 31 bits; both
/// showed up as percent-level biases in the queueing validation, so every stream of a run comes from here instead.
/// </summary>
public sealed class SeededRandom : Random
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(ulong seed)
    {
        // SplitMix64 expands the seed into the four state words (never all zero).
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>Stream <paramref name="stream"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static SeededRandom ForStream(int seed, int stream) => new(((ulong)(uint)seed << 32) | (uint)stream);

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <inheritdoc/>
    public override double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <inheritdoc/>
    protected override double Sample() => NextDouble();

    /// <inheritdoc/>
    public override int Next() => (int)(NextUInt64() >> 33);

    /// <inheritdoc/>
    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)((NextUInt64() >> 32) * (ulong)maxValue >> 32);
    }

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        var range = (ulong)((long)maxValue - minValue);
        return (int)(minValue + (long)((NextUInt64() >> 32) * range >> 32));
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
