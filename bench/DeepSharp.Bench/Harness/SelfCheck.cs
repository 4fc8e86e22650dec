using System.Buffers.Binary;
using DeepSharp.Bench.Workloads;
using DeepSharp.Kernels.Cpu;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// <c>--self-check</c>: checks the bench's own arithmetic and files without timing anything — the FLOP
/// counts against the convolution geometry the kernels use and against counted loops, and the growth
/// mode's CSV and PNG writing on made-up points. Exit code 0 when every check holds, 1 otherwise.
/// (The bench is not in the solution, so these run here rather than in the test project.)
/// </summary>
internal static class SelfCheck
{
    public static int Run()
    {
        var failures = new List<string>();
        int checks = 0;
        void Expect(bool ok, string what)
        {
            checks++;
            if (!ok) failures.Add(what);
        }

        // Output sides and the conv formula against Conv2DGeometry, the kernels' own geometry.
        foreach (int size in new[] { 1, 2, 3, 5, 7, 13, 26, 28, 31 })
            foreach (int k in new[] { 1, 3, 5 })
                foreach (int stride in new[] { 1, 2, 3 })
                    foreach (bool same in new[] { false, true })
                    {
                        if (!same && k > size) continue;
                        var g = Conv2DGeometry.Create(3, size, size + 1, 2, 5, k, k, stride, stride, same);
                        Expect(FlopCount.ConvOutput(size, k, stride, same) == g.OutH && FlopCount.ConvOutput(size + 1, k, stride, same) == g.OutW,
                            $"ConvOutput(size {size}, k {k}, stride {stride}, same {same}) = {FlopCount.ConvOutput(size, k, stride, same)}, geometry {g.OutH}");
                        double flop = FlopCount.ConvForward(g.Batch, g.OutH, g.OutW, g.OutC, g.InC, g.KernelH, g.KernelW);
                        Expect(flop == 2.0 * g.OutputLength * (g.KernelLength / g.OutC), $"ConvForward of {g} = {flop}");
                    }

        // GEMM and convolution against counted multiply-adds of naive loops.
        foreach (var (m, n, k) in new[] { (0, 3, 4), (1, 1, 1), (3, 5, 7), (8, 2, 17) })
        {
            long macs = 0;
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) macs++;
            Expect(FlopCount.Gemm(m, n, k) == 2.0 * macs, $"Gemm({m}, {n}, {k}) = {FlopCount.Gemm(m, n, k)}, counted {2 * macs}");
        }
        {
            int batch = 2, side = 6, inC = 3, outC = 4, kSide = 3, outSide = side - kSide + 1;
            long macs = 0;
            for (int b = 0; b < batch; b++) for (int oy = 0; oy < outSide; oy++) for (int ox = 0; ox < outSide; ox++)
                for (int co = 0; co < outC; co++) for (int ky = 0; ky < kSide; ky++) for (int kx = 0; kx < kSide; kx++)
                    for (int ci = 0; ci < inC; ci++) macs++;
            Expect(FlopCount.ConvForward(batch, outSide, outSide, outC, inC, kSide, kSide) == 2.0 * macs, "ConvForward against a counted loop");
        }
        Expect(FlopCount.ConvBackward(10, inputGradient: true) == 20 && FlopCount.ConvBackward(10, inputGradient: false) == 10, "ConvBackward");
        Expect(FlopCount.LstmForward(2, 3, 5, 7) == 3 * 2.0 * 2 * 28 * (5 + 7), "LstmForward");
        // Seed CNN: 26·26·32·9 + 5408·128 + 128·10 multiply-adds per image.
        Expect(ModelFlops.SeedForwardPerImage == 2.0 * (194_688 + 692_224 + 1_280), $"SeedForwardPerImage = {ModelFlops.SeedForwardPerImage}");
        Expect(ModelFlops.SeedTrainingPerImage == 2.0 * (2 * 194_688 + 3 * (692_224 + 1_280)), $"SeedTrainingPerImage = {ModelFlops.SeedTrainingPerImage}");
        Expect(ModelFlops.TransformerTrainingPerToken(1, 4, 3, 5) == 3 * 2.0 * (12 * 16 + 2 * 3 * 4 + 5 * 4), "TransformerTrainingPerToken");
        Expect(Throws(() => FlopCount.Gemm(-1, 2, 3)) && Throws(() => FlopCount.ConvOutput(2, 3, 1, same: false)) && Throws(() => FlopCount.ConvOutput(5, 3, 0, same: true)),
            "negative sizes, a kernel wider than a 'valid' input and stride 0 are refused");
        Expect(GrowthWorkload.Doublings(1, 512).SequenceEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) && GrowthWorkload.Doublings(8, 100).SequenceEqual([8, 16, 32, 64]),
            "Doublings");

        // The growth mode's files, on made-up points.
        string folder = Path.Combine(Path.GetTempPath(), $"deepsharp-bench-selfcheck-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(folder);
            var o = GrowthWorkload.Parse(["--growth", "--out", folder, "--quick"]);
            var points = new List<GrowthPoint>();
            foreach (var fw in new[] { "DeepSharp", "libtorch" })
                foreach (var pass in new[] { "fwd", "fwdbwd" })
                {
                    foreach (int b in GrowthWorkload.Doublings(1, 64)) points.Add(new GrowthPoint("batch", b, 32, 28, pass, fw, 1e-4 * (b + 3), 100 + b, 500));
                    foreach (int c in GrowthWorkload.Doublings(8, 64)) points.Add(new GrowthPoint("width", 32, c, 28, pass, fw, 1e-5 * c * c, 50 + c, 500));
                }
            string csv = GrowthChart.WriteCsv(points, Path.Combine(folder, "growth.csv"));
            var lines = File.ReadAllLines(csv);
            Expect(lines.Length == points.Count + 1 && lines[0] == GrowthChart.CsvHeader, $"CSV has {lines.Length} lines for {points.Count} points");
            var first = lines[1].Split(',');
            var numbers = first[6..10].Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            double[] expected = [4e-4, 400, 101, 20.2];
            Expect(string.Join(',', first[..6]) == "batch,1,32,28,fwd,DeepSharp" && numbers.Length == 4 &&
                   numbers.Zip(expected).All(p => Math.Abs(p.First - p.Second) <= 1e-9 * p.Second) && first[10] == "NaN", $"first CSV row '{lines[1]}'");
            foreach (var png in new[]
            {
                GrowthChart.DrawBatch(points, o, "self-check", Path.Combine(folder, "growth_batch.png")),
                GrowthChart.DrawWidth(points, o, 500, "self-check", Path.Combine(folder, "growth_width.png")),
            })
            {
                var bytes = File.ReadAllBytes(png);
                bool signature = bytes.Length > 24 && bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
                Expect(signature && BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)) == 1000 && BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)) == 560,
                    $"{png} is a 1000x560 PNG");
            }
            Expect(Directory.GetFiles(folder).Length == 3, $"only the three files are left in the folder: {string.Join(", ", Directory.GetFiles(folder))}");
            Expect(Throws(() => GrowthChart.DrawWidth([], o, 500, "", Path.Combine(folder, "none.png"))), "an empty sweep is refused");
            Expect(Throws(() => GrowthWorkload.Parse(["--growth"])) && Throws(() => GrowthWorkload.Parse(["--growth", "--out", "x", "--reps", "0"])),
                "--growth without --out, or with --reps 0, is refused");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }

        foreach (var f in failures) Console.Error.WriteLine("FAILED: " + f);
        Console.WriteLine($"self-check: {checks - failures.Count} of {checks} checks passed");
        return failures.Count == 0 ? 0 : 1;
    }

    private static bool Throws(Action action)
    {
        try { action(); return false; }
        catch (ArgumentException) { return true; }
    }
}
