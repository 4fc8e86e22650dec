namespace DeepSharp.Serialization;

/// <summary>
/// The metadata that makes a safetensors file a DeepSharp model file: <c>"format": "deepsharp.model"</c>,
/// <c>"format_version": "1"</c>, <c>"model_config"</c> (see <see cref="ModelConfig"/>) and a <c>"checksum"</c> of
/// everything in the file, verified when the weights are loaded (after the config has been checked and built,
/// so that a hostile config meets the same checks whether or not it carries a checksum).
/// </summary>
public static class ModelFileFormat
{
    /// <summary>Metadata key whose value says what kind of file this is.</summary>
    public const string FormatKey = "format";
    /// <summary>The <see cref="FormatKey"/> value of a model file; a weights-only file lacks it.</summary>
    public const string FormatName = "deepsharp.model";
    /// <summary>Metadata key of the model file format's version.</summary>
    public const string VersionKey = "format_version";
    /// <summary>The format version this build writes, and the only one it reads.</summary>
    public const string Version = "1";
    /// <summary>Metadata key whose value is the model's architecture as JSON (<see cref="ModelConfig"/>).</summary>
    public const string ConfigKey = "model_config";
    /// <summary>Metadata key of the model's text vectorizer as JSON (optional; see <c>Model.TextVectorizer</c>).</summary>
    public const string TextVectorizerKey = "text_vectorizer";
    /// <summary>Metadata key of the model's string lookup as JSON (optional; see <c>Model.StringLookup</c>).</summary>
    public const string StringLookupKey = "string_lookup";
    /// <summary>
    /// Metadata key of the compile settings as JSON (optional; Keras's compile_config: the optimizer and its
    /// settings, the losses, loss weights and metrics), so that <c>Model.Load</c> returns a compiled model.
    /// </summary>
    public const string CompileConfigKey = "compile_config";

    /// <summary>Marks <paramref name="file"/> (its tensors added) as a model file holding <paramref name="configJson"/>, and signs it.</summary>
    public static void Stamp(SafetensorsFile file, string configJson)
    {
        file.Metadata[FormatKey] = FormatName;
        file.Metadata[VersionKey] = Version;
        file.Metadata[ConfigKey] = configJson;
        FileChecksum.Sign(file);
    }

    /// <summary>The model config of a model file; throws if the metadata does not say "deepsharp.model", version 1.</summary>
    /// <exception cref="DataFormatException">Not a DeepSharp model file, or a version this build does not read.</exception>
    public static string ReadConfig(SafetensorsFile file, string source)
    {
        if (!file.Metadata.TryGetValue(FormatKey, out var format) || format != FormatName)
            throw new DataFormatException(
                $"Model file '{source}': metadata '{FormatKey}' is {(format is null ? "absent" : $"'{format}'")}, expected '{FormatName}' " +
                "(a weights-only file? load it with LoadWeights into a model you build).");
        if (!file.Metadata.TryGetValue(VersionKey, out var version) || version != Version)
            throw new DataFormatException($"Model file '{source}': format version {(version is null ? "absent" : $"'{version}'")}; this DeepSharp reads version {Version}.");
        return file.Metadata.TryGetValue(ConfigKey, out var config) ? config
            : throw new DataFormatException($"Model file '{source}': metadata lacks '{ConfigKey}'.");
    }
}
