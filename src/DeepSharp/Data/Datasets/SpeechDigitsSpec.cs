using System.Security.Cryptography;
using System.Text;

namespace DeepSharp.Data.Datasets;

/// <summary>
/// What <see cref="SpeechDigits"/> generates, as a fixed list in a fixed order: every accent × variant
/// (a voice) speaks the ten digit words with <see cref="SettingsPerVoice"/> (speed, pitch) settings,
/// taken in turn from <see cref="Speeds"/> × <see cref="Pitches"/> starting at the voice's index, so that
/// settings vary across voices. Variants in <see cref="TestVariants"/> form the test set, with every
/// accent: the model never hears those speakers in training.
/// </summary>
/// <param name="Accents">espeak-ng English language voices (accents).</param>
/// <param name="Variants">espeak-ng voice variants (speakers).</param>
/// <param name="TestVariants">The variants held out for the test set (a subset of <paramref name="Variants"/>).</param>
/// <param name="Speeds">Words per minute to choose from.</param>
/// <param name="Pitches">Pitches (0 to 99) to choose from.</param>
/// <param name="SettingsPerVoice">(speed, pitch) settings per voice and digit.</param>
public sealed record SpeechDigitsSpec(string[] Accents, string[] Variants, string[] TestVariants, int[] Speeds, int[] Pitches, int SettingsPerVoice)
{
    /// <summary>The ten words spoken, "zero" to "nine"; a word's index is its label.</summary>
    public static IReadOnlyList<string> Words { get; } = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    /// <summary>
    /// The full data set: 8 accents × 20 variants × 3 settings × 10 digits = 4,800 utterances;
    /// variants m4, f1, f5, klatt and Gene (every fourth) are the test speakers (1,200 utterances).
    /// </summary>
    public static SpeechDigitsSpec Default { get; } = new(
        ["en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029", "en-us-nyc"],
        ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "croak", "whisper", "klatt", "klatt2", "klatt3", "Andy", "Annie", "Gene"],
        ["m4", "f1", "f5", "klatt", "Gene"],
        [140, 170, 200], [30, 50, 70], 3);

    /// <summary>A small set for tests and quick runs: 2 accents × 6 variants × 1 setting × 10 digits = 120 utterances; m3 and f2 are the test speakers.</summary>
    public static SpeechDigitsSpec Small { get; } = new(
        ["en", "en-us"], ["m1", "m2", "m3", "f1", "f2", "f3"], ["m3", "f2"], [150, 190], [40, 60], 1);

    /// <summary>The utterances to generate, in their fixed order (accent, variant, setting, digit), with no hashes yet.</summary>
    /// <exception cref="ArgumentException">The spec is empty or inconsistent, or a name could reach outside espeak-ng's voice argument.</exception>
    public IReadOnlyList<SpeechUtterance> Utterances()
    {
        Validate();
        var list = new List<SpeechUtterance>();
        int combos = Speeds.Length * Pitches.Length;
        int voice = 0;
        foreach (string accent in Accents)
            foreach (string variant in Variants)
            {
                for (int s = 0; s < SettingsPerVoice; s++)
                {
                    int combo = (voice + s * Math.Max(1, combos / SettingsPerVoice)) % combos;
                    int speed = Speeds[combo / Pitches.Length], pitch = Pitches[combo % Pitches.Length];
                    for (int digit = 0; digit < Words.Count; digit++)
                        list.Add(new SpeechUtterance(accent, variant, speed, pitch, digit, $"wav/{accent}+{variant}_s{speed}_p{pitch}_{digit}.wav", ""));
                }
                voice++;
            }
        return list;
    }

    /// <summary>The cache folder's name: <c>speech-digits</c> for <see cref="Default"/>, else <c>speech-digits-</c> and 12 hex digits of the spec's hash.</summary>
    public string FolderName => Equals(Default) ? "speech-digits" : "speech-digits-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Describe())))[..12];

    /// <summary>Whether an utterance's speaker is a test speaker.</summary>
    public bool IsTest(SpeechUtterance utterance) => Array.IndexOf(TestVariants, utterance.Variant) >= 0;

    /// <summary>The spec in one line (the manifest's first line).</summary>
    public string Describe() =>
        $"accents={string.Join(',', Accents)};variants={string.Join(',', Variants)};test={string.Join(',', TestVariants)};" +
        $"speeds={string.Join(',', Speeds)};pitches={string.Join(',', Pitches)};settings={SettingsPerVoice}";

    /// <inheritdoc/>
    public bool Equals(SpeechDigitsSpec? other) => other is not null && Describe() == other.Describe();

    /// <inheritdoc/>
    public override int GetHashCode() => Describe().GetHashCode(StringComparison.Ordinal);

    private void Validate()
    {
        if (Accents.Length == 0 || Variants.Length == 0 || Speeds.Length == 0 || Pitches.Length == 0)
            throw new ArgumentException("A speech-digits spec needs at least one accent, variant, speed and pitch.");
        if (SettingsPerVoice < 1 || SettingsPerVoice > Speeds.Length * Pitches.Length)
            throw new ArgumentException($"Settings per voice must be in [1, {Speeds.Length * Pitches.Length}], got {SettingsPerVoice}.");
        foreach (string name in Accents.Concat(Variants))
            if (name.Length == 0 || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                throw new ArgumentException($"Voice name '{TerminalText.Escape(name)}' must be 1 to 64 ASCII letters, digits or '-'.");
        foreach (string test in TestVariants)
            if (Array.IndexOf(Variants, test) < 0) throw new ArgumentException($"Test variant '{TerminalText.Escape(test)}' is not one of the variants.");
        if (TestVariants.Length == 0 || TestVariants.Length == Variants.Length)
            throw new ArgumentException("A speech-digits spec needs both training and test variants.");
        foreach (int s in Speeds) if (s < 80 || s > 450) throw new ArgumentException($"Speed {s} is outside espeak-ng's 80 to 450 words per minute.");
        foreach (int p in Pitches) if (p < 0 || p > 99) throw new ArgumentException($"Pitch {p} is outside 0 to 99.");
    }
}
