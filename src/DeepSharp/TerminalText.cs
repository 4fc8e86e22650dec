using System.Globalization;
using System.Text;

namespace DeepSharp;

/// <summary>
/// Text from a file made safe to print: names of layers, tensors and metadata keys can hold any
/// character, and printed raw an escape character (ESC, U+001B) lets a file drive the terminal
/// (move the cursor, rewrite earlier lines, set the window title), and a bidirectional override
/// (U+202E) makes a name read differently from what it is.
/// </summary>
public static class TerminalText
{
    /// <summary>
    /// <paramref name="text"/> with every control character (C0, DEL, C1), bidirectional formatting
    /// character (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), line or paragraph separator
    /// (U+2028, U+2029) and unpaired surrogate written as an escape: <c>\x1B</c>, <c>\u202E</c>.
    /// Other text, emoji and every script included, is unchanged.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = FirstUnsafe(text);
        if (first < 0) return text;
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (IsUnsafe(c))
                sb.Append(c <= 0xFF ? $"\\x{(int)c:X2}" : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static int FirstUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (IsUnsafe(c)) return i;
        }
        return -1;
    }

    private static bool IsUnsafe(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || c is '\u061C' or '\u200E' or '\u200F' or '\u2028' or '\u2029'
        || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069';
}
