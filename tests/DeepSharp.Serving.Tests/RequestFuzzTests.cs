using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// Hostile request bodies against a real server (docs/security.md, "Serving"): valid bodies of every kind
/// /v1/predict takes (JSON, named JSON, text, raw float32, PNG, multipart forms), mutated — bit flips,
/// truncations, numbers at the edges of float32 and beyond, lone surrogates in keys, values and part
/// names, deep nesting, broken boundaries — each must be answered 200 or a 4xx with one JSON error line,
/// never a 500 (an exception the parser did not turn into a request error), within a second or two.
/// </summary>
public sealed class RequestFuzzTests(ITestOutputHelper output)
{
    private const int MaxInputs = 4;

    private static Model ImageModel()
    {
        RandomGenerator.SetGlobalSeed(5);
        var image = Model.Input([4, 4, 1], name: "image");
        return new Functional([image], [new Dense(3, Activation.Softmax, name: "label").Call(new Flatten().Call(image))], name: "tiny");
    }

    private static Model TwoInputModel()
    {
        RandomGenerator.SetGlobalSeed(6);
        var image = Model.Input([4, 4, 1], name: "image");
        var extra = Model.Input([4], name: "extra");
        var merged = new Concatenate().Call(new Flatten().Call(image), extra);
        return new Functional([image, extra], [new Dense(3, Activation.Softmax, name: "label").Call(merged), new Dense(1, name: "score").Call(extra)], name: "two");
    }

    private static readonly float[] s_pixels = [.. Enumerable.Range(0, 16).Select(i => i / 16f)];

    private static string Numbers(int n, int start = 0) => string.Join(",", Enumerable.Range(start, n).Select(i => (i / 16.0).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static byte[] Floats(int n)
    {
        var bytes = new byte[4 * n];
        for (int i = 0; i < n; i++) BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), i / 16f);
        return bytes;
    }

    private const string Boundary = "----fuzzboundary7";

    private static byte[] Form(params (string Name, string? FileName, string? Type, byte[] Data)[] parts)
    {
        var body = new MemoryStream();
        void Write(string s) => body.Write(Encoding.UTF8.GetBytes(s));
        foreach (var (name, file, type, data) in parts)
        {
            Write($"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{(file is null ? "" : $"; filename=\"{file}\"")}\r\n");
            if (type is not null) Write($"Content-Type: {type}\r\n");
            Write("\r\n");
            body.Write(data);
            Write("\r\n");
        }
        Write($"--{Boundary}--\r\n");
        return body.ToArray();
    }

    /// <summary>The valid requests a mutation starts from: (Content-Type, body).</summary>
    private static List<(string Type, byte[] Body)> Seeds(bool twoInputs, bool text)
    {
        var png = TestPng.Gray(s_pixels, 4, 4);
        var seeds = new List<(string, byte[])>();
        void Json(string s) => seeds.Add(("application/json", Encoding.UTF8.GetBytes(s)));
        if (text)
        {
            Json("""{"text": "good great nice"}""");
            Json("""{"texts": ["bad awful", "lovely \u00e9t\u00e9 \ud83d\ude00"]}""");
            return seeds;
        }
        if (twoInputs)
        {
            Json($$$"""{"inputs": {"image": [[{{{Numbers(16)}}}]], "extra": [[1, 2, 3, 4]]}}""");
            Json($$$"""{"inputs": {"extra": [[1, 2, 3, 4], [-4, -3, -2, -1e-3]], "image": [[[[0.1], [0.2], [0.3], [0.4]], [[0.1], [0.2], [0.3], [0.4]], [[0.1], [0.2], [0.3], [0.4]], [[0.1], [0.2], [0.3], [0.4]]], [{{{Numbers(16, 3)}}}]]}}""");
            seeds.Add(("application/octet-stream", [.. Floats(16), .. Floats(4)]));
            seeds.Add(($"multipart/form-data; boundary={Boundary}", Form(("image", "a.png", "image/png", png), ("extra", null, "application/json", Encoding.UTF8.GetBytes("[[1, 2, 3, 4]]")))));
            seeds.Add(($"multipart/form-data; boundary=\"{Boundary}\"", Form(("image", "a.png", null, png), ("extra", null, null, Encoding.UTF8.GetBytes("[[1,2,3,4]]")))));
            return seeds;
        }
        Json($$"""{"inputs": [[{{Numbers(16)}}]]}""");
        Json($$"""{"inputs": [[[[0.5], [0.25], [0], [1]], [[0.5], [0.25], [0], [1]], [[0.5], [0.25], [0], [1]], [[0.5], [0.25], [0], [1e-30]]], [{{Numbers(16, 1)}}]]}""");
        seeds.Add(("application/octet-stream", [.. Floats(16), .. Floats(16)]));
        seeds.Add(("image/png", png));
        seeds.Add(($"multipart/form-data; boundary={Boundary}", Form(("file", "a.png", "image/png", png), ("file", "b.png", null, png))));
        return seeds;
    }

    private static readonly string[] s_numbers =
    [
        "0", "-0", "1e38", "3.4028235e38", "3.5e38", "-3.5e38", "1e309", "-1e309", "1e-46", "4.9e-324", "99999999999999999999999999",
        "1E+2", "0.1e", "01", "-", "1.5.5", "NaN", "Infinity", "\"1\"", "null", "true", "[]", "{}", "\"\\ud800\"", "\"\\udfff\"",
        "\"\\u0000\"", "2147483648", "-9223372036854775809",
    ];

    private static readonly string[] s_inserts =
    [
        "\"\\ud800\":1,", "\"inputs\":[],", "\"texts\":[],", "\"text\":\"\\ud800\",", "\"\\ud800\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "]]]]]]]]", "{", "}", ",", ":",
        "\"\\ud83d\"", "\"image\":[[1]],", "\"extra\":[[1,2,3,4]],", "\u00ff", "\\", "\"", "\r\n", "\u2028",
    ];

    /// <summary>A textual edit of a body: a number swapped for an edge case, a hostile fragment inserted, a span deleted or repeated.</summary>
    private static byte[] EditText(Random random, byte[] body)
    {
        string text = Encoding.UTF8.GetString(body);
        for (int e = 1 + random.Next(3); e > 0; e--)
        {
            switch (random.Next(5))
            {
                case 0:
                case 1:
                    {
                        var numbers = Regex.Matches(text, "-?[0-9][0-9.eE+-]*");
                        if (numbers.Count == 0) break;
                        var m = numbers[random.Next(numbers.Count)];
                        text = text[..m.Index] + s_numbers[random.Next(s_numbers.Length)] + text[(m.Index + m.Length)..];
                        break;
                    }
                case 2:
                    {
                        int at = random.Next(text.Length + 1);
                        text = text[..at] + s_inserts[random.Next(s_inserts.Length)] + text[at..];
                        break;
                    }
                case 3:
                    {
                        int at = random.Next(text.Length), length = random.Next(Math.Min(12, text.Length - at) + 1);
                        text = text.Remove(at, length);
                        break;
                    }
                default:
                    {
                        int at = random.Next(text.Length), length = random.Next(Math.Min(40, text.Length - at) + 1);
                        text = text.Insert(at, string.Concat(Enumerable.Repeat(text.Substring(at, length), 1 + random.Next(4))));
                        break;
                    }
            }
        }
        return Encoding.UTF8.GetBytes(text);
    }

    private static byte[] MutateBytes(Random random, byte[] original)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(3))
        {
            case 0:
                for (int k = 1 + random.Next(8); k > 0 && bytes.Length > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length + 1)];
            default:
                {
                    var extra = new byte[1 + random.Next(16)];
                    random.NextBytes(extra);
                    int at = random.Next(bytes.Length + 1);
                    return [.. bytes[..at], .. extra, .. bytes[at..]];
                }
        }
    }

    private static string MutateType(Random random, string type) => random.Next(8) switch
    {
        0 => type.Replace(Boundary, Boundary[..^1], StringComparison.Ordinal),
        1 => type + "; charset=utf-16",
        2 => type.Replace("boundary=", "boundary=\"\"; x=", StringComparison.Ordinal),
        3 => type.Replace(Boundary, new string('b', 300), StringComparison.Ordinal),
        _ => type,
    };

    private async Task Fuzz(Model model, bool text, int cases, int seed)
    {
        var served = new ServedModel(model);
        bool twoInputs = served.InputNames.Count > 1;
        await using var server = new ModelServer(served, new ServingOptions { Port = 0, MaxInputsPerRequest = MaxInputs, MaxBodyBytes = 64 * 1024, MaxWait = TimeSpan.FromMilliseconds(1) });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        var seeds = Seeds(twoInputs, text);
        foreach (var (type, body) in seeds) // the seeds themselves are valid
        {
            var response = await Post(client, type, body);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"seed {type}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var random = new Random(seed);
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var (type, body) = seeds[random.Next(seeds.Count)];
            bool textual = type == "application/json" || (type.StartsWith("multipart", StringComparison.Ordinal) && random.Next(2) == 0);
            byte[] mutated = textual && random.Next(3) != 0 ? EditText(random, body) : MutateBytes(random, body);
            string mutatedType = type.StartsWith("multipart", StringComparison.Ordinal) ? MutateType(random, type) : type;
            var clock = Stopwatch.StartNew();
            var response = await Post(client, mutatedType, mutated);
            string answer = await response.Content.ReadAsStringAsync();
            var elapsed = clock.Elapsed;
            if (elapsed > slowest) slowest = elapsed;
            int status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status is not (200 or 400 or 413 or 415))
                failures.Add($"case {i} ({mutatedType}, {Shorten(mutated)}): {status} {answer}");
            else if (status != 200 && !IsErrorLine(answer))
                failures.Add($"case {i}: {status} without a JSON error line: {answer}");
            else if (elapsed > TimeSpan.FromSeconds(2))
                failures.Add($"case {i} took {elapsed.TotalSeconds:F1}s");
        }
        output.WriteLine($"{cases} mutated requests in {total.Elapsed.TotalSeconds:F1}s (slowest {slowest.TotalMilliseconds:F0} ms): " +
            string.Join(", ", statuses.Select(p => $"{p.Value} × {p.Key}")) + $"; {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(statuses.GetValueOrDefault(400) > cases / 4, "the mutator is too gentle: few requests were refused");
    }

    private static async Task<HttpResponseMessage> Post(HttpClient client, string type, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", type);
        return await client.PostAsync("/v1/predict", content);
    }

    private static bool IsErrorLine(string answer)
    {
        try
        {
            return JsonNode.Parse(answer)?["error"] is JsonValue error && ((string?)error)?.Length > 0;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static string Shorten(byte[] body)
    {
        string s = Encoding.UTF8.GetString(body);
        return s.Length <= 200 ? s : s[..200] + "...";
    }

    [Fact]
    public Task MutatedImageModelRequestsAreAnsweredOrRefused() => Fuzz(ImageModel(), text: false, cases: 1500, seed: 1);

    [Fact]
    public Task MutatedTwoInputRequestsAreAnsweredOrRefused() => Fuzz(TwoInputModel(), text: false, cases: 1500, seed: 2);

    [Fact]
    public Task MutatedTextRequestsAreAnsweredOrRefused() => Fuzz(TextModels.Classifier, text: true, cases: 800, seed: 3);

    [Theory]
    [InlineData("{\"\\ud800\": 1}")]
    [InlineData("{\"inputs\": [[\"\\ud800\"]]}")]
    [InlineData("{\"inputs\": [\"\\udfff\"]}")]
    public async Task LoneSurrogatesInAJsonBodyAreBadRequests(string body)
    {
        await using var server = new ModelServer(new ServedModel(ImageModel()), new ServingOptions { Port = 0 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address };
        var response = await Post(client, "application/json", Encoding.UTF8.GetBytes(body));
        string answer = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 400, $"{(int)response.StatusCode}: {answer}");
        Assert.True(IsErrorLine(answer), answer);
    }
}
