namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random numbers:
/// as easy as 1, 2, 3" (SC'11; the Random123 library): a keyed bijection of a 128-bit counter to 128 random
/// bits, ten rounds of two 32×32→64-bit products, xors and a Weyl key schedule. It passes TestU01's
/// BigCrush with as few as seven rounds; ten is the published default, the one TensorFlow's stateless
/// random ops, JAX's and cuRAND's Philox use. One block gives four 32-bit words; any block can be computed
/// alone, which is what lets a dropout mask be split over threads and vector lanes and keep its bits.
/// </summary>
internal static class Philox4x32
{
    public const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57; // the round multipliers
    public const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85; // the key schedule's increments (golden ratio, √3 − 1)
    public const int Rounds = 10;

    /// <summary>The four words of the block for counter (c0, c1, c2, c3) under key (k0, k1).</summary>
    public static (uint X0, uint X1, uint X2, uint X3) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int r = 0; r < Rounds; r++)
        {
            if (r > 0) { k0 += W0; k1 += W1; }
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            (c0, c1, c2, c3) = ((uint)(p1 >> 32) ^ c1 ^ k0, (uint)p1, (uint)(p0 >> 32) ^ c3 ^ k1, (uint)p0);
        }
        return (c0, c1, c2, c3);
    }
}
