namespace DeepSharp.Data.Datasets;

/// <summary>One spoken digit of <see cref="SpeechDigits"/>: who spoke it, how, and its file.</summary>
/// <param name="Accent">The espeak-ng language voice (an English accent), e.g. <c>en-gb-scotland</c>.</param>
/// <param name="Variant">The espeak-ng voice variant (the speaker's timbre), e.g. <c>m3</c>.</param>
/// <param name="Speed">Words per minute (espeak-ng's <c>-s</c>).</param>
/// <param name="Pitch">Pitch, 0 to 99 (espeak-ng's <c>-p</c>).</param>
/// <param name="Digit">The digit spoken, 0 to 9 (the label).</param>
/// <param name="File">The WAV file's path relative to the data set's folder.</param>
/// <param name="Sha256">The file's SHA-256 (lowercase hex), as the manifest records it.</param>
public sealed record SpeechUtterance(string Accent, string Variant, int Speed, int Pitch, int Digit, string File, string Sha256)
{
    /// <summary>The espeak-ng voice argument, <c>accent+variant</c>.</summary>
    public string Voice => Accent + "+" + Variant;
}
