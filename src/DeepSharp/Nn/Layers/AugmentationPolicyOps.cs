namespace DeepSharp.Nn.Layers;

/// <summary>
/// The augmentation layers RandAugment and AugMix choose from, built from one factor (lower, upper) as Keras 3 builds
/// them: RandomShear (x and y factor), RandomTranslation (height and width factor), RandomRotation, RandomBrightness,
/// RandomColorDegeneration, RandomContrast, RandomSharpness and Solarization (addition and threshold factor) take the
/// factor as it is; RandomPosterization keeps max(1, ⌊8·upper⌋) bits at most; AutoContrast and Equalization take none.
/// Each is a sublayer named by Keras's attribute name (random_shear, ...).
/// </summary>
internal static class AugmentationPolicyOps
{
    /// <summary>RandAugment's eleven operations, in Keras 3's order.</summary>
    public static readonly string[] RandAugment =
    [
        "random_shear", "random_translation", "random_rotation", "random_brightness", "random_color_degeneration", "random_contrast",
        "random_sharpness", "random_posterization", "solarization", "auto_contrast", "equalization",
    ];

    /// <summary>AugMix's operations with all_ops (Keras 3's order).</summary>
    public static readonly string[] AugMixAll =
    [
        "random_shear", "random_translation", "random_rotation", "random_posterization", "solarization", "auto_contrast", "equalization",
        "random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness",
    ];

    /// <summary>AugMix's operations without all_ops: the first seven of <see cref="AugMixAll"/>.</summary>
    public static readonly string[] AugMixBasic = AugMixAll[..7];

    /// <summary>
    /// The layer for operation <paramref name="op"/>, seeded with <paramref name="seed"/> (null forks from the global generator).
    /// </summary>
    public static Layer Create(string op, (float Lower, float Upper) factor, (float Lower, float Upper) valueRange, Interpolation interpolation, long? seed) => op switch
    {
        "random_shear" => new RandomShear(factor, factor, seed: seed, name: op) { Interpolation = interpolation },
        "random_translation" => new RandomTranslation(factor, factor, seed: seed, name: op) { Interpolation = interpolation },
        "random_rotation" => new RandomRotation(factor, seed: seed, name: op) { Interpolation = interpolation },
        "random_brightness" => new RandomBrightness(factor, valueRange, seed, op),
        "random_color_degeneration" => new RandomColorDegeneration(factor, valueRange, seed, op),
        "random_contrast" => new RandomContrast(factor, valueRange, seed, op),
        "random_sharpness" => new RandomSharpness(factor, valueRange, seed, op),
        "random_posterization" => new RandomPosterization(Math.Max(1, (int)(8 * factor.Upper)), valueRange, seed, op),
        "solarization" => new Solarization(factor, factor, valueRange, seed, op),
        "auto_contrast" => new AutoContrast(valueRange, op),
        "equalization" => new Equalization(valueRange, name: op),
        _ => throw new ArgumentException($"Unknown augmentation operation '{op}'.", nameof(op)),
    };

    /// <summary>Keras's factor of RandAugment and AugMix: a number f is (0, f), a pair is itself; 0 ≤ lower ≤ upper ≤ 1.</summary>
    public static (float Lower, float Upper) CheckFactor((float Lower, float Upper) factor, string type) =>
        factor.Lower >= 0f && factor.Upper <= 1f && factor.Lower <= factor.Upper
            ? factor
            : throw new ArgumentException($"{type} factor {factor} needs 0 ≤ lower ≤ upper ≤ 1.", nameof(factor));

    /// <summary>Bilinear or nearest: the samplings of the geometric operations.</summary>
    public static Interpolation CheckInterpolation(Interpolation interpolation, string type) =>
        interpolation is Interpolation.Bilinear or Interpolation.Nearest
            ? interpolation
            : throw new ArgumentException($"{type} interpolation {interpolation} is not supported; use Bilinear or Nearest.", nameof(interpolation));
}
