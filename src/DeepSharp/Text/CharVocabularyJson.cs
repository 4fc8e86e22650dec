using System.Text.Json.Serialization;

namespace DeepSharp.Text;

/// <summary>The JSON form of a <see cref="CharVocabulary"/>: <c>{"specials": [...], "characters": "..."}</c>.</summary>
internal sealed record CharVocabularyJson(string[] Specials, string Characters);

/// <summary>
/// Source-generated (de)serialization of <see cref="CharVocabularyJson"/>: no reflection at run time,
/// so the library stays trimming- and NativeAOT-compatible.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CharVocabularyJson))]
internal sealed partial class CharVocabularyJsonContext : JsonSerializerContext;
