using System.Runtime.CompilerServices;

namespace Fleet.Inference.Sampling;

/// <summary>
/// run.c's sampler: greedy argmax at temperature 0, else temperature-scaled softmax then multinomial or top-p (nucleus)
/// sampling with its xorshift* generator, so a seed gives the same tokens as run.c with <c>-s</c>.
/// </summary>
public sealed class Sampler
{
    private readonly float _temperature;
    private readonly float _topp;
    private ulong[] _keys = [];
    private ulong _state;

    /// <param name="temperature">0 = greedy; must not be negative.</param>
    /// <param name="topp">Nucleus threshold; ≤ 0 or ≥ 1 disables top-p.</param>
    /// <param name="seed">run.c's rng_seed (must be non-zero: xorshift stays at zero forever).</param>
    public Sampler(float temperature, float topp, ulong seed)
    {
        if (!(temperature >= 0) || float.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must be a finite number ≥ 0.");
        }

        if (float.IsNaN(topp))
        {
            throw new ArgumentOutOfRangeException(nameof(topp), topp, "top-p must be a number.");
        }

        if (seed == 0 && temperature != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed, "Seed must be non-zero.");
        }

        _temperature = temperature;
        _topp = topp;
        _state = seed;
    }

    /// <summary>
    /// Compiles the sampling paths (argmax, softmax, multinomial, top-p) on scratch data without touching the generator's
    /// state, so the first sampled token costs no JIT time inside a timed run.
    /// </summary>
    public void Prepare()
    {
        Span<float> probabilities = [0.1f, 0.2f, 0.3f, 0.4f];
        _ = Argmax(probabilities);
        Cpu.Ops.WarmUp();
        _ = SampleMult(probabilities, 0.5f);
        _ = SampleTopP(probabilities, 0.9f, 0.5f);
        RuntimeHelpers.PrepareMethod(typeof(Sampler).GetMethod(nameof(Sample))!.MethodHandle);
    }

    /// <summary>Picks the next token; overwrites <paramref name="logits"/> with probabilities unless greedy.</summary>
    public int Sample(Span<float> logits)
    {
        if (_temperature == 0f)
        {
            return Argmax(logits);
        }

        for (var i = 0; i < logits.Length; i++)
        {
            logits[i] /= _temperature;
        }

        Cpu.Ops.Softmax(logits);
        var coin = RandomF32();
        return _topp <= 0 || _topp >= 1 ? SampleMult(logits, coin) : SampleTopP(logits, _topp, coin);
    }

    /// <summary>Index of the first maximum (run.c's strict greater-than scan).</summary>
    public static int Argmax(ReadOnlySpan<float> values)
    {
        var maxI = 0;
        var maxP = values[0];
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > maxP)
            {
                maxI = i;
                maxP = values[i];
            }
        }

        return maxI;
    }

    internal static int SampleMult(ReadOnlySpan<float> probabilities, float coin)
    {
        var cdf = 0f;
        for (var i = 0; i < probabilities.Length; i++)
        {
            cdf += probabilities[i];
            if (coin < cdf)
            {
                return i;
            }
        }

        return probabilities.Length - 1;
    }

    internal int SampleTopP(ReadOnlySpan<float> probabilities, float topp, float coin)
    {
        var n = probabilities.Length;
        if (_keys.Length < n)
        {
            _keys = new ulong[n];
        }

        // Candidates as sortable keys: descending probability, then ascending index, which is the order glibc's stable
        // merge-sort qsort leaves equal probabilities in. Probabilities are ≥ 0, so their bit patterns sort as numbers.
        var n0 = 0;
        var cutoff = (1f - topp) / (n - 1);
        for (var i = 0; i < n; i++)
        {
            if (probabilities[i] >= cutoff)
            {
                var bits = BitConverter.SingleToUInt32Bits(probabilities[i]);
                _keys[n0++] = ((ulong)(uint.MaxValue - bits) << 32) | (uint)i;
            }
        }

        var keys = _keys.AsSpan(0, n0);
        keys.Sort();
        var cumulative = 0f;
        var lastIdx = n0 - 1;
        for (var i = 0; i < n0; i++)
        {
            cumulative += probabilities[(int)(uint)keys[i]];
            if (cumulative > topp)
            {
                lastIdx = i;
                break;
            }
        }

        var r = coin * cumulative;
        var cdf = 0f;
        for (var i = 0; i <= lastIdx; i++)
        {
            var index = (int)(uint)keys[i];
            cdf += probabilities[index];
            if (r < cdf)
            {
                return index;
            }
        }

        return (int)(uint)keys[lastIdx];
    }

    private uint RandomU32()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return (uint)((_state * 0x2545F4914F6CDD1DUL) >> 32);
    }

    private float RandomF32() => (RandomU32() >> 8) / 16777216.0f;
}
