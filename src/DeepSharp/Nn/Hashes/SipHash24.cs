using System.Buffers.Binary;
using System.Numerics;

namespace DeepSharp.Nn.Hashes;

/// <summary>
/// SipHash-2-4 (Aumasson and Bernstein, 2012) with a 128-bit key given as two 64-bit words, the keyed hash of
/// TensorFlow's <c>tf.strings.to_hash_bucket_strong</c> and of Keras's <c>Hashing</c> layer with a salt.
/// </summary>
/// <remarks>
/// Implementation notes: the paper's algorithm — the state v0..v3 is the key XORed with "somepseudorandomlygeneratedbytes"
/// (as four ASCII words); each 8-byte little-endian block m enters as v3 ^= m, two SipRounds, v0 ^= m; the last block holds
/// the remaining bytes and the length's low byte in its top byte; then v2 ^= 0xff and four rounds; the hash is v0^v1^v2^v3.
/// </remarks>
internal static class SipHash24
{
    /// <summary>The 64-bit SipHash-2-4 of <paramref name="data"/> under the key (k0, k1).</summary>
    public static ulong Hash(ulong k0, ulong k1, ReadOnlySpan<byte> data)
    {
        ulong v0 = k0 ^ 0x736f6d6570736575UL, v1 = k1 ^ 0x646f72616e646f6dUL, v2 = k0 ^ 0x6c7967656e657261UL, v3 = k1 ^ 0x7465646279746573UL;
        int full = data.Length / 8 * 8;
        for (int at = 0; at < full; at += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data[at..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }
        ulong last = (ulong)(data.Length & 0xff) << 56;
        for (int i = full; i < data.Length; i++) last |= (ulong)data[i] << (8 * (i - full));
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++) Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}
