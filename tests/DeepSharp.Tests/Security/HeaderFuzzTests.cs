using System.Buffers.Binary;
using System.Text;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Seeded hostile headers aimed at the strings and counts of a safetensors header (issue 11, findings
/// 2 and 9): lone surrogates and escape characters in tensor names, metadata keys and values and the
/// model config; tens of thousands of tensors or metadata keys; long names and values; shapes of
/// thousands of dimensions. Each is read as a safetensors file and as a model, within the harness's
/// time and memory budget, and gives a model or a DeepSharpException.
/// </summary>
public class HeaderFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 600;

    private static readonly string[] Escapes =
    [
        "\\ud800", "\\udfff", "\\ud83d", "\\ud83d\\ude00", "\\udbff\\udfff", "\\ude00\\ud83d", "\\ud83d\\ud83d", "\\u0000",
        "\\u001b[31m", "\\u001b]0;title\\u0007", "\\u202e", "\\u2066", "\\u0085", "\\\\", "\\\"", "\\n", "\\/", "\u00e9", "\u65e5",
    ];

    private static readonly int[] Counts = [1, 10, 1000, 20_000, 50_000];

    /// <summary>Metadata key counts, up to beyond <see cref="SafetensorsFile.MaxMetadataEntries"/>.</summary>
    private static readonly int[] KeyCounts = [1, 10, 1000, 50_000, SafetensorsFile.MaxMetadataEntries + 1];

    [Fact(Timeout = 300_000)]
    public async Task HostileHeaderStrings() => await Task.Run(() =>
    {
        RandomGenerator.SetGlobalSeed(11);
        var model = new Sequential(new Dense(3, Activation.Relu, inputShape: [4]), new Dense(2, Activation.Softmax));
        using var folder = new TempFolder();
        string valid = folder.File("valid.safetensors");
        model.Save(valid);
        var original = FuzzHarness.Unsigned(File.ReadAllBytes(valid));

        string path = folder.File("case.safetensors");
        new FuzzHarness(output).Run("header strings and counts", Cases, seed: 1102, random => Mutate(random, original), bytes =>
        {
            SafetensorsFile.Parse(bytes, "memory");
            File.WriteAllBytes(path, bytes);
            var loaded = Model.Load(path);
            loaded.Predict(Tensor.Zeros(1, 4));
            loaded.Summary(_ => { });
        }, minRejectedPercent: 40);
    });

    /// <summary>The original header with one to three edits (<see cref="Edit"/>), and the data unchanged.</summary>
    private static byte[] Mutate(Random random, byte[] original)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        string header = Encoding.UTF8.GetString(original, 8, headerLength).TrimEnd();
        for (int e = 1 + random.Next(3); e > 0; e--) header = Edit(random, header);
        return HostileFiles.Safetensors(header, original[(8 + headerLength)..]);
    }

    private static string Edit(Random random, string header)
    {
        int end = header.LastIndexOf('}');
        switch (random.Next(7))
        {
            case 0:
            case 1: // an escape inside a string: a key, a value, a name, or the model config (a string holding JSON)
                {
                    var quotes = new List<int>();
                    for (int i = 0; i < header.Length; i++)
                        if (header[i] == '"' && (i == 0 || header[i - 1] != '\\')) quotes.Add(i);
                    if (quotes.Count == 0) return header;
                    int at = quotes[random.Next(quotes.Count)] + (random.Next(2) == 0 ? 1 : 0);
                    return header[..at] + Escapes[random.Next(Escapes.Length)] + header[at..];
                }
            case 2: // many more tensors (empty, so the layout stays valid)
                {
                    int count = Counts[random.Next(Counts.Length)];
                    var sb = new StringBuilder(header[..end]);
                    string prefix = random.Next(3) == 0 ? Escapes[random.Next(Escapes.Length)] : "t";
                    for (int i = 0; i < count; i++) sb.Append(",\"").Append(prefix).Append(i).Append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
                    return sb.Append('}').ToString();
                }
            case 3: // many more metadata keys, up to beyond the reader's limit
                {
                    int at = header.IndexOf("\"__metadata__\":{", StringComparison.Ordinal);
                    if (at < 0) return header;
                    at += "\"__metadata__\":{".Length;
                    int count = KeyCounts[random.Next(KeyCounts.Length)];
                    var sb = new StringBuilder(header[..at]);
                    for (int i = 0; i < count; i++) sb.Append("\"k").Append(i).Append("\":\"").Append(random.Next(4) == 0 ? Escapes[random.Next(Escapes.Length)] : "").Append("\",");
                    return sb.Append(header[at..]).ToString();
                }
            case 4: // a long name or metadata value
                {
                    string text = new('x', 1 << random.Next(10, 22));
                    return random.Next(2) == 0
                        ? header[..end] + ",\"" + text + "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}"
                        : header.Replace("\"format_version\":\"1\"", "\"format_version\":\"1\",\"comment\":\"" + text + "\"");
                }
            case 5: // a shape of thousands of dimensions
                {
                    string dims = string.Join(",", Enumerable.Repeat(random.Next(2) == 0 ? "1" : "0", Counts[random.Next(Counts.Length)]));
                    return header[..end] + ",\"many_dims\":{\"dtype\":\"F32\",\"shape\":[" + dims + "],\"data_offsets\":[0,0]}}";
                }
            default:
                return FuzzHarness.EditJson(random, header);
        }
    }
}
