using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeepSharp.Serialization;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Runs seeded hostile inputs through a reader and holds every case to the promise of docs/security.md:
/// it either succeeds or throws a <see cref="DeepSharpException"/>, within <see cref="FuzzLimits.CaseTimeFor"/>
/// of process CPU time (<see cref="ThreadCpuTime.ProcessNow"/>: a loaded machine stretches the wall clock, not the
/// work a case does) and within a memory budget (managed bytes allocated during the case, measured process-wide; tests run
/// one at a time, see AssemblyInfo.cs).
/// </summary>
public sealed class FuzzHarness(ITestOutputHelper output)
{
    /// <summary>
    /// Runs <paramref name="cases"/> inputs made by <paramref name="make"/> through <paramref name="read"/>;
    /// <paramref name="memoryBudget"/> gives each input's allowed allocation (default: <see cref="FuzzLimits.MemoryFor"/>).
    /// </summary>
    public void Run(string what, int cases, int seed, Func<Random, byte[]> make, Action<byte[]> read,
        Func<byte[], long>? memoryBudget = null, int minRejectedPercent = 50)
    {
        memoryBudget ??= bytes => FuzzLimits.MemoryFor(bytes.Length);
        var random = new Random(unchecked(seed + FuzzLimits.SeedOffset * 1_000_003));
        var failures = new List<string>();
        int rejected = 0, accepted = 0;
        var slowest = TimeSpan.Zero;
        long largest = 0;
        var total = Stopwatch.StartNew();
        double cpuStart = ThreadCpuTime.ProcessNow();
        for (int i = 0; i < cases; i++)
        {
            var bytes = make(random);
            double caseStart = ThreadCpuTime.ProcessNow();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
            string? failure = null;
            try
            {
                read(bytes);
                accepted++;
            }
            catch (DeepSharpException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                failure = $"case {i}: {e.GetType().Name}: {e.Message}";
            }
            long allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
            var elapsed = TimeSpan.FromSeconds(ThreadCpuTime.ProcessNow() - caseStart);
            if (elapsed > slowest) slowest = elapsed;
            if (allocated > largest) largest = allocated;
            if (elapsed > FuzzLimits.CaseTimeFor(allocated)) failure ??= $"case {i} took {elapsed.TotalSeconds:F1}s of CPU";
            long budget = memoryBudget(bytes);
            if (allocated > budget) failure ??= $"case {i} allocated {allocated / 1e6:F1} MB for a {bytes.Length}-byte input (budget {budget / 1e6:F1} MB)";
            if (failure is not null) failures.Add(failure);
        }
        var cpu = TimeSpan.FromSeconds(ThreadCpuTime.ProcessNow() - cpuStart);
        output.WriteLine($"{what}: {cases} cases in {total.Elapsed.TotalSeconds:F2}s, {cpu.TotalSeconds:F2}s of CPU (slowest {slowest.TotalMilliseconds:F0} ms of CPU, " +
            $"largest allocation {largest / 1e6:F1} MB): {rejected} rejected with DeepSharp exceptions, {accepted} accepted, {failures.Count} failures.");
        Assert.True(cpu < FuzzLimits.RunTime, $"{what}: {cases} cases took {cpu.TotalSeconds:F1}s of CPU, over {FuzzLimits.RunTime.TotalSeconds}s.");
        Assert.True(failures.Count == 0, $"{what}: {failures.Count} cases failed:\n" + string.Join("\n", failures.Take(10)));
        Assert.True(rejected * 100L >= (long)cases * minRejectedPercent,
            $"{what}: only {rejected} of {cases} cases were rejected; the mutator is too gentle.");
    }

    /// <summary>Bit flips, byte changes biased to the header, truncations and insertions.</summary>
    public static byte[] MutateBytes(Random random, byte[] original)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0: // bit flips
                for (int k = 1 + random.Next(8); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1: // byte changes, biased towards the start where headers live
                {
                    byte[] values = [0, 0xFF, 0x7F, 0x80, (byte)'9', (byte)'-', (byte)'"', (byte)'{', (byte)'}'];
                    for (int k = 1 + random.Next(4); k > 0; k--)
                    {
                        int at = random.Next(2) == 0 ? random.Next(Math.Min(64, bytes.Length)) : random.Next(bytes.Length);
                        bytes[at] = random.Next(2) == 0 ? values[random.Next(values.Length)] : (byte)random.Next(256);
                    }
                    return bytes;
                }
            case 2: // truncation
                return bytes[..random.Next(bytes.Length)];
            default: // appended or inserted bytes
                {
                    var extra = new byte[1 + random.Next(16)];
                    random.NextBytes(extra);
                    int at = random.Next(bytes.Length + 1);
                    return [.. bytes[..at], .. extra, .. bytes[at..]];
                }
        }
    }

    /// <summary>Integers a hostile file would try: zero, negatives, the edges of int, long and ulong, floats.</summary>
    public static readonly string[] Numbers =
    [
        "0", "-1", "1", "7", "255", "2147483647", "2147483648", "4294967296", "-9223372036854775808",
        "9223372036854775807", "18446744073709551615", "18446744073709551616", "1e308", "1.5", "100000001", "99999999999999999999999",
    ];

    /// <summary>A safetensors file with a new header length, or its JSON header edited (<see cref="EditJson"/>).</summary>
    public static byte[] MutateSafetensors(Random random, byte[] original)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        string header = System.Text.Encoding.UTF8.GetString(original, 8, headerLength);
        switch (random.Next(4))
        {
            case 0: return MutateBytes(random, original);
            case 1: // a new header length
                {
                    var bytes = (byte[])original.Clone();
                    ulong[] lengths = [0, 1, 2, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)original.Length, 100_000_000, 100_000_001, ulong.MaxValue, 1UL << 63, (ulong)random.NextInt64()];
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, lengths[random.Next(lengths.Length)]);
                    return bytes;
                }
            default: // edit the JSON: numbers (shapes, offsets, config values), dtypes, structure
                {
                    string edited = EditJson(random, header);
                    bool keepLength = random.Next(4) != 0;
                    var json = System.Text.Encoding.UTF8.GetBytes(edited);
                    var bytes = new byte[8 + json.Length + original.Length - 8 - headerLength];
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, keepLength ? (ulong)json.Length : (ulong)headerLength);
                    json.CopyTo(bytes, 8);
                    original.AsSpan(8 + headerLength).CopyTo(bytes.AsSpan(8 + json.Length));
                    return bytes;
                }
        }
    }

    /// <summary>One to three edits of a JSON text: numbers, tokens, deletions, huge shapes, lone surrogates, nulls.</summary>
    public static string EditJson(Random random, string header)
    {
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    {
                        var numbers = Regex.Matches(header, "-?[0-9]+");
                        if (numbers.Count == 0) break;
                        var m = numbers[random.Next(numbers.Count)];
                        header = header[..m.Index] + Numbers[random.Next(Numbers.Length)] + header[(m.Index + m.Length)..];
                        break;
                    }
                case 2:
                    {
                        string[] from = ["F32", "\"shape\"", "\"data_offsets\"", "[", "]", "\\\"", "null", "Dense", "__metadata__", ","];
                        string[] to = ["F64", "I32", "BOOL", "\"x\"", "[[", "", "{}", "\"", "Conv2D", "0", "[]", "null"];
                        string f = from[random.Next(from.Length)];
                        int at = header.IndexOf(f, random.Next(header.Length), StringComparison.Ordinal);
                        if (at >= 0) header = header[..at] + to[random.Next(to.Length)] + header[(at + f.Length)..];
                        break;
                    }
                case 3:
                    {
                        int at = random.Next(header.Length), length = random.Next(Math.Min(20, header.Length - at) + 1);
                        header = header.Remove(at, length);
                        break;
                    }
                case 5:
                    {
                        // a lone surrogate, a control character or an escape byte inside a string
                        string[] inserts = ["\\ud800", "\\udfff", "\\u0000", "\\u001b[31m", "\\ud83d"];
                        int at = header.IndexOf('"', random.Next(header.Length));
                        if (at >= 0) header = header[..(at + 1)] + inserts[random.Next(inserts.Length)] + header[(at + 1)..];
                        break;
                    }
                case 4:
                    {
                        // a huge shape beside consistent offsets, or a duplicated tensor
                        var m = Regex.Match(header, "\"shape\":\\[[0-9,]*\\]");
                        if (m.Success) header = header[..m.Index] + "\"shape\":[" + string.Join(",", Enumerable.Repeat(Numbers[random.Next(Numbers.Length)], 1 + random.Next(4))) + "]" + header[(m.Index + m.Length)..];
                        break;
                    }
            }
        }
        return header;
    }

    /// <summary>The model config JSON (metadata "model_config") of a model file's bytes.</summary>
    public static string ModelConfigOf(byte[] modelFile) =>
        SafetensorsFile.Parse(modelFile, "memory").Metadata[ModelFileFormat.ConfigKey];

    /// <summary>
    /// The same model file (weights and other metadata unchanged) with its model config replaced by
    /// <paramref name="configJson"/>, and without a checksum, as a hostile file would come.
    /// </summary>
    public static byte[] WithModelConfig(byte[] modelFile, string configJson)
    {
        var file = SafetensorsFile.Parse(modelFile, "memory");
        file.Metadata[ModelFileFormat.ConfigKey] = configJson;
        file.Metadata.Remove("checksum");
        return file.ToBytes();
    }

    /// <summary>
    /// A DeepSharp file without its "checksum" metadata: a hostile file carries no valid checksum, so
    /// mutations of this one reach every check behind it (a mutated signed file would stop at the checksum).
    /// </summary>
    public static byte[] Unsigned(byte[] file)
    {
        var parsed = SafetensorsFile.Parse(file, "memory");
        parsed.Metadata.Remove("checksum");
        return parsed.ToBytes();
    }

    /// <summary>The same model file with its model config parsed, edited in place by <paramref name="edit"/> and written back.</summary>
    public static byte[] EditModelConfig(byte[] modelFile, Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(ModelConfigOf(modelFile))!.AsObject();
        edit(config);
        return WithModelConfig(modelFile, config.ToJsonString());
    }

    /// <summary>The "config" object of the layer named <paramref name="layer"/> in a model config (Sequential or Functional).</summary>
    public static JsonObject LayerConfigIn(JsonObject modelConfig, string layer)
    {
        foreach (var entry in modelConfig["config"]!["layers"]!.AsArray())
            if ((string?)entry!["config"]!["name"] == layer) return entry["config"]!.AsObject();
        throw new ArgumentException($"No layer '{layer}' in the model config.", nameof(layer));
    }
}
