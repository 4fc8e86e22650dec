namespace DeepSharp.Serving;

/// <summary>
/// The fast path of <see cref="JsonInputs"/> for the body nearly every client sends:
/// <c>{"inputs": [[v, v, ...], ...]}</c>, each input one flat array of plain decimals, read in one pass
/// over the bytes instead of token by token. It gives exactly what the general reader gives or
/// declines: anything else — nested inputs, exponents, more than 15 digits, other keys, escapes, a
/// wrong count, a JSON error — returns false, and the general reader parses the body again and says
/// what is wrong. A decimal of at most 15 digits and 22 places is exact as mantissa and power of ten,
/// so mantissa / 10^places is the correctly rounded double that <c>Utf8JsonReader.TryGetDouble</c>
/// gives, then rounded to float32 as the general reader does.
/// </summary>
internal static class FlatJsonInputs
{
    private static readonly double[] s_powersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>The inputs of <paramref name="body"/> when it has the plain flat form with <paramref name="size"/> values per input and at most <paramref name="maxInputs"/> inputs; false otherwise.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, int size, int maxInputs, out (float[] Values, int Count) result)
    {
        result = default;
        int i = 0;
        if (!Expect(body, ref i, (byte)'{')) return false;
        Skip(body, ref i);
        if (!body[i..].StartsWith("\"inputs\""u8)) return false;
        i += 8;
        if (!Expect(body, ref i, (byte)':') || !Expect(body, ref i, (byte)'[')) return false;
        var values = new float[size]; // one input, as most requests hold; doubled as more come (as JsonInputs)
        int count = 0;
        while (true)
        {
            if (count == maxInputs || !Expect(body, ref i, (byte)'[')) return false;
            if ((long)(count + 1) * size > values.Length) Array.Resize(ref values, (int)Math.Min((long)maxInputs * size, (long)values.Length * 2));
            var target = values.AsSpan(count * size, size);
            for (int k = 0; k < size; k++)
            {
                if (k > 0 && !Expect(body, ref i, (byte)',')) return false;
                Skip(body, ref i);
                if (!TryNumber(body, ref i, out target[k])) return false;
            }
            if (!Expect(body, ref i, (byte)']')) return false;
            count++;
            Skip(body, ref i);
            if (i < body.Length && body[i] == (byte)',')
            {
                i++;
                continue;
            }
            if (!Expect(body, ref i, (byte)']') || !Expect(body, ref i, (byte)'}')) return false;
            Skip(body, ref i);
            if (i != body.Length) return false;
            result = (values, count);
            return true;
        }
    }

    /// <summary>
    /// A JSON number at <paramref name="i"/> of the plain form <c>-?(0|[1-9][0-9]*)(.[0-9]+)?</c> with at most
    /// 15 digits (after the leading zero) and 22 decimal places, as float32; false for anything else.
    /// </summary>
    internal static bool TryNumber(ReadOnlySpan<byte> s, ref int i, out float value)
    {
        value = 0;
        bool negative = i < s.Length && s[i] == (byte)'-';
        if (negative) i++;
        if (i >= s.Length) return false;
        ulong mantissa = 0;
        int digits = 0, places = 0;
        if (s[i] == (byte)'0') i++;
        else if ((uint)(s[i] - '1') <= 8)
        {
            for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++, digits++)
                mantissa = mantissa * 10 + (uint)(s[i] - '0');
        }
        else return false;
        if (i < s.Length && s[i] == (byte)'.')
        {
            i++;
            int start = i;
            for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++, digits++)
                mantissa = mantissa * 10 + (uint)(s[i] - '0');
            places = i - start;
            if (places == 0) return false;
        }
        if (digits > 15 || places > 22 || (i < s.Length && (s[i] | 0x20) == (byte)'e')) return false;
        double magnitude = mantissa / s_powersOfTen[places];
        value = (float)(negative ? -magnitude : magnitude);
        return true;
    }

    /// <summary>Whether <paramref name="span"/>, at its start, holds a plain number whole (for a reader's token).</summary>
    internal static bool TryNumber(ReadOnlySpan<byte> span, out float value)
    {
        int i = 0;
        return TryNumber(span, ref i, out value) && i == span.Length;
    }

    /// <summary>Skips JSON whitespace, then consumes <paramref name="expected"/>; false when another byte (or the end) comes.</summary>
    private static bool Expect(ReadOnlySpan<byte> s, ref int i, byte expected)
    {
        Skip(s, ref i);
        if (i >= s.Length || s[i] != expected) return false;
        i++;
        return true;
    }

    private static void Skip(ReadOnlySpan<byte> s, ref int i)
    {
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') i++;
    }
}
