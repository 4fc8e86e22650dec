namespace DeepSharp.Tensors;

/// <summary>
/// A seeded pseudo-random generator (xoshiro128** with SplitMix64 seeding) whose whole state can
/// be read and restored, so checkpoints can resume bit for bit. Not thread-safe: one per user.
/// </summary>
/// <remarks>
/// Dropout does not draw its masks from this stream element by element: each call draws a 64-bit key
/// (two <see cref="NextUInt"/>s) and the mask is a counter-based function of (key, element index)
/// (<c>Kernels/Cpu/DropoutMaskKernel</c>), so a call advances the generator by two draws whatever its size.
/// </remarks>
public sealed class RandomGenerator
{
    private uint _s0, _s1, _s2, _s3;

    /// <summary>The generator that initializers, shuffling and dropout seed themselves from.</summary>
    public static RandomGenerator Global { get; private set; } = new(1337);

    /// <summary>Reseeds the global generator (Keras's set_random_seed, torch.manual_seed).</summary>
    public static void SetGlobalSeed(long seed) => Global = new RandomGenerator(seed);

    /// <param name="seed">Any value, zero and negatives included; the same seed gives the same sequence on every machine.</param>
    public RandomGenerator(long seed)
    {
        ulong x = (ulong)seed;
        ulong a = SplitMix(ref x), b = SplitMix(ref x);
        _s0 = (uint)a; _s1 = (uint)(a >> 32); _s2 = (uint)b; _s3 = (uint)(b >> 32);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    /// <summary>The state, for checkpoints.</summary>
    public uint[] GetState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores a state from <see cref="GetState"/>, so the generator continues exactly where that one was.</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> is not four words, or all four are zero.</exception>
    public void SetState(ReadOnlySpan<uint> state)
    {
        if (state.Length != 4 || (state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException("A generator state is four 32-bit words, not all zero.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    /// <summary>A new generator seeded from this one (for layers and loaders).</summary>
    public RandomGenerator Fork() => new(((long)NextUInt() << 32) | NextUInt());

    /// <summary>The next 32 uniformly random bits; the other draws are built from these.</summary>
    public uint NextUInt()
    {
        uint result = uint.RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = uint.RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 24 bits of precision.</summary>
    public float NextFloat() => (NextUInt() >> 8) * (1f / (1 << 24));

    /// <summary>Uniform integer in [0, maxExclusive) without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        ulong m = (ulong)NextUInt() * (uint)maxExclusive;
        uint low = (uint)m;
        if (low < (uint)maxExclusive)
        {
            uint threshold = (uint)(-maxExclusive) % (uint)maxExclusive;
            while (low < threshold)
            {
                m = (ulong)NextUInt() * (uint)maxExclusive;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }

    /// <summary>Fills <paramref name="values"/> with uniform samples in [min, max).</summary>
    public void FillUniform(Span<float> values, float min, float max)
    {
        for (int i = 0; i < values.Length; i++) values[i] = min + (max - min) * NextFloat();
    }

    /// <summary>Normal samples by Box–Muller (two per pair of uniforms).</summary>
    public void FillNormal(Span<float> values, float mean, float std)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            double u1 = 1.0 - ((NextUInt() >> 8) + 0.5) * (1.0 / (1 << 24));
            double u2 = NextFloat();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = (float)(mean + std * r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.Length) values[i + 1] = (float)(mean + std * r * Math.Sin(2 * Math.PI * u2));
        }
    }

    /// <summary>Fisher–Yates shuffle.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
