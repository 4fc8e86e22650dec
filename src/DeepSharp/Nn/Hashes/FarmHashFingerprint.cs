using System.Buffers.Binary;
using System.Numerics;

namespace DeepSharp.Nn.Hashes;

/// <summary>
/// FarmHash's <c>Fingerprint64</c> (its "na" 64-bit hash, seed-free), the hash TensorFlow's <c>Fingerprint64</c>,
/// <c>tf.strings.to_hash_bucket_fast</c> and Keras's <c>Hashing</c> layer use: stable across platforms and releases.
/// </summary>
/// <remarks>
/// Implementation notes. Written from the published description of the CityHash/FarmHash family: bytes read as
/// little-endian words, three 64-bit odd constants, rotations to the right, <c>ShiftMix(v) = v ^ (v >> 47)</c> and a
/// 128→64-bit mix (<see cref="HashLen16"/>); strings of 0–16, 17–32 and 33–64 bytes have their own short paths, longer
/// ones run a 56-byte state over 64-byte blocks and finish on the last 64 bytes. The short paths are checked against the
/// bins TensorFlow's and Keras's documentation print (tests in HashingTests).
/// </remarks>
internal static class FarmHashFingerprint
{
    private const ulong K0 = 0xc3a5c85c97cb3127UL;
    private const ulong K1 = 0xb492b66fbe98f273UL;
    private const ulong K2 = 0x9ae16a3b2f90404fUL;

    /// <summary>The 64-bit fingerprint of <paramref name="s"/>.</summary>
    public static ulong Hash64(ReadOnlySpan<byte> s)
    {
        int len = s.Length;
        if (len <= 16) return HashLen0To16(s);
        if (len <= 32) return HashLen17To32(s);
        if (len <= 64) return HashLen33To64(s);
        return HashLong(s);
    }

    private static ulong Fetch64(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
    private static ulong Fetch32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
    private static ulong Rotate(ulong v, int shift) => BitOperations.RotateRight(v, shift);
    private static ulong ShiftMix(ulong v) => v ^ (v >> 47);

    private static ulong HashLen16(ulong u, ulong v, ulong mul)
    {
        ulong a = (u ^ v) * mul;
        a ^= a >> 47;
        ulong b = (v ^ a) * mul;
        b ^= b >> 47;
        return b * mul;
    }

    private static ulong HashLen0To16(ReadOnlySpan<byte> s)
    {
        int len = s.Length;
        if (len >= 8)
        {
            ulong mul = K2 + (ulong)len * 2;
            ulong a = Fetch64(s, 0) + K2, b = Fetch64(s, len - 8);
            ulong c = Rotate(b, 37) * mul + a, d = (Rotate(a, 25) + b) * mul;
            return HashLen16(c, d, mul);
        }
        if (len >= 4)
        {
            ulong mul = K2 + (ulong)len * 2;
            return HashLen16((ulong)len + (Fetch32(s, 0) << 3), Fetch32(s, len - 4), mul);
        }
        if (len > 0)
        {
            uint y = s[0] + ((uint)s[len >> 1] << 8), z = (uint)len + ((uint)s[len - 1] << 2);
            return ShiftMix((y * K2) ^ (z * K0)) * K2;
        }
        return K2;
    }

    private static ulong HashLen17To32(ReadOnlySpan<byte> s)
    {
        int len = s.Length;
        ulong mul = K2 + (ulong)len * 2;
        ulong a = Fetch64(s, 0) * K1, b = Fetch64(s, 8), c = Fetch64(s, len - 8) * mul, d = Fetch64(s, len - 16) * K2;
        return HashLen16(Rotate(a + b, 43) + Rotate(c, 30) + d, a + Rotate(b + K2, 18) + c, mul);
    }

    private static ulong HashLen33To64(ReadOnlySpan<byte> s)
    {
        int len = s.Length;
        ulong mul = K2 + (ulong)len * 2;
        ulong a = Fetch64(s, 0) * K2, b = Fetch64(s, 8), c = Fetch64(s, len - 8) * mul, d = Fetch64(s, len - 16) * K2;
        ulong y = Rotate(a + b, 43) + Rotate(c, 30) + d;
        ulong z = HashLen16(y, a + Rotate(b + K2, 18) + c, mul);
        ulong e = Fetch64(s, 16) * mul, f = Fetch64(s, 24);
        ulong g = (y + Fetch64(s, len - 32)) * mul, h = (z + Fetch64(s, len - 24)) * mul;
        return HashLen16(Rotate(e + f, 43) + Rotate(g, 30) + h, e + Rotate(f + a, 18) + g, mul);
    }

    /// <summary>Two 64-bit mixes of the 32 bytes at <paramref name="at"/> with seeds a and b.</summary>
    private static (ulong First, ulong Second) WeakHashLen32WithSeeds(ReadOnlySpan<byte> s, int at, ulong a, ulong b)
    {
        ulong w = Fetch64(s, at), x = Fetch64(s, at + 8), y = Fetch64(s, at + 16), z = Fetch64(s, at + 24);
        a += w;
        b = Rotate(b + a + z, 21);
        ulong c = a;
        a += x;
        a += y;
        b += Rotate(a, 44);
        return (a + z, b + c);
    }

    private static ulong HashLong(ReadOnlySpan<byte> s)
    {
        const ulong Seed = 81;
        int len = s.Length;
        ulong x = Seed, y = unchecked(Seed * K1 + 113), z = ShiftMix(y * K2 + 113) * K2;
        (ulong First, ulong Second) v = (0, 0), w = (0, 0);
        x = x * K2 + Fetch64(s, 0);
        int end = (len - 1) / 64 * 64, last64 = end + ((len - 1) & 63) - 63;
        for (int at = 0; at != end; at += 64)
        {
            x = Rotate(x + y + v.First + Fetch64(s, at + 8), 37) * K1;
            y = Rotate(y + v.Second + Fetch64(s, at + 48), 42) * K1;
            x ^= w.Second;
            y += v.First + Fetch64(s, at + 40);
            z = Rotate(z + w.First, 33) * K1;
            v = WeakHashLen32WithSeeds(s, at, v.Second * K1, x + w.First);
            w = WeakHashLen32WithSeeds(s, at + 32, z + w.Second, y + Fetch64(s, at + 16));
            (z, x) = (x, z);
        }
        ulong mul = K1 + ((z & 0xff) << 1);
        w.First += (ulong)((len - 1) & 63);
        v.First += w.First;
        w.First += v.First;
        x = Rotate(x + y + v.First + Fetch64(s, last64 + 8), 37) * mul;
        y = Rotate(y + v.Second + Fetch64(s, last64 + 48), 42) * mul;
        x ^= w.Second * 9;
        y += v.First * 9 + Fetch64(s, last64 + 40);
        z = Rotate(z + w.First, 33) * mul;
        v = WeakHashLen32WithSeeds(s, last64, v.Second * mul, x + w.First);
        w = WeakHashLen32WithSeeds(s, last64 + 32, z + w.Second, y + Fetch64(s, last64 + 16));
        (z, x) = (x, z);
        return HashLen16(HashLen16(v.First, w.First, mul) + ShiftMix(y) * K0 + z, HashLen16(v.Second, w.Second, mul) + x, mul);
    }
}
