using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using DeepSharp.Cli.Commands;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Data.Images;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Seeded hostile data files through the readers, each case held by <see cref="FuzzHarness"/> to the
/// time and memory limits and to ending in a DeepSharp exception: PNG images (through the decoder and
/// through predict's reader), gzipped idx files with bombs, and npm package tarballs.
/// </summary>
public class DataFuzzTests(ITestOutputHelper output)
{
    private const int PngCases = 3000, PredictCases = 1000, GzipIdxCases = 1500, TarballCases = 400;

    private readonly FuzzHarness harness = new(output);

    private static byte[] ValidPng(int channels, int seed)
    {
        var pixels = new byte[7 * 11 * channels];
        new Random(seed).NextBytes(pixels);
        return TestPng.Encode(7, 11, channels, pixels, 0, 1, 2, 3, 4);
    }

    /// <summary>
    /// PNG mutations through <see cref="PngDecoder"/>. A case may allocate the pixels its header claims
    /// (what a valid image of that size needs; the decoder's caps and the 1032:1 check bound it) beyond the usual budget.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task PngMutations() => await Task.Run(() =>
    {
        var originals = new[] { ValidPng(1, 1), ValidPng(2, 2), ValidPng(3, 3), ValidPng(4, 4) };
        harness.Run("png", PngCases, seed: 9001, random => PngMutator.Mutate(random, originals[random.Next(originals.Length)]), bytes =>
        {
            var info = PngDecoder.ReadInfo(bytes, "case.png");
            var image = PngDecoder.Decode(bytes, "case.png");
            Assert.Equal((info.Width, info.Height, info.Channels), (image.Width, image.Height, image.Channels));
            Assert.Equal(info.PixelBytes, image.Pixels.Length);
        }, memoryBudget: bytes => FuzzLimits.MemoryFor(bytes.Length) + PngMutator.ClaimedPixelBytes(bytes));
    });

    /// <summary>PNG mutations as files through predict's reader for an 11×7 model (gray and RGB): the default budget holds, headers are checked first.</summary>
    [Fact(Timeout = 120_000)]
    public async Task PredictPngMutations() => await Task.Run(() =>
    {
        using var folder = new TempFolder();
        string path = folder.File("case.png");
        var originals = new[] { ValidPng(1, 5), ValidPng(3, 6), ValidPng(4, 7) };
        int n = 0;
        harness.Run("predict png", PredictCases, seed: 4242, random => PngMutator.Mutate(random, originals[random.Next(originals.Length)]), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            var shape = ++n % 2 == 0 ? new Shape(11, 7, 1) : new Shape(11, 7, 3);
            foreach (var (names, images) in ImageInputs.Batches(path, shape))
                Assert.Equal(names.Length, images.Shape[0]);
        }, minRejectedPercent: 40);
    });

    /// <summary>64 MB of zeros as one gzip member (about 64 KB); members concatenate into one stream.</summary>
    private static readonly Lazy<byte[]> s_zeros = new(() => IdxGzip(new byte[64 << 20], CompressionLevel.SmallestSize));

    private static byte[] IdxGzip(byte[] bytes, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>A gzipped idx header with edge dimensions, then a body: none, short, exact, long, random, a bomb, or damaged.</summary>
    private static byte[] GzipIdx(Random random)
    {
        int[] sizes = [1, 2, 3, 28, 255, 60000, 1 << 16, 2_739_137, int.MaxValue, 0, -1];
        bool labels = random.Next(4) == 0;
        int[] dims = labels ? [sizes[random.Next(sizes.Length)]] : [sizes[random.Next(sizes.Length)], sizes[random.Next(sizes.Length)], sizes[random.Next(sizes.Length)]];
        if (random.Next(3) == 0) for (int i = 0; i < dims.Length; i++) dims[i] = 1 + random.Next(40);
        long promised = dims.Aggregate(1L, (p, d) => p * Math.Max(d, 0));
        var header = IdxGzip(IdxFiles.Bytes(labels ? IdxReader.LabelsMagic : IdxReader.ImagesMagic, dims, []));
        using var file = new MemoryStream();
        file.Write(header);
        switch (random.Next(6))
        {
            case 0: break; // the header alone
            case 1: // about the promise: exact, one short or one long, when small
                {
                    long length = Math.Min(promised, 1 << 16) + random.Next(3) - 1;
                    var body = new byte[Math.Max(0, length)];
                    random.NextBytes(body);
                    file.Write(IdxGzip(body));
                    break;
                }
            case 2: // a bomb: 64 MB to 1 GB of zeros in 64 KB to 1 MB
                for (int k = 1 << random.Next(5); k > 0; k--) file.Write(s_zeros.Value);
                break;
            case 3: // random bytes that are not gzip
                {
                    var junk = new byte[random.Next(1, 200)];
                    random.NextBytes(junk);
                    file.Write(junk);
                    break;
                }
            case 4: // a truncated bomb
                file.Write(s_zeros.Value.AsSpan(0, random.Next(s_zeros.Value.Length)));
                break;
            default: // one bomb member with damage inside
                {
                    var damaged = (byte[])s_zeros.Value.Clone();
                    for (int k = 1 + random.Next(4); k > 0; k--) damaged[10 + random.Next(damaged.Length - 10)] ^= (byte)(1 << random.Next(8));
                    file.Write(damaged);
                    break;
                }
        }
        var bytes = file.ToArray();
        return random.Next(8) == 0 ? FuzzHarness.MutateBytes(random, bytes) : bytes;
    }

    /// <summary>
    /// Gzipped idx files with edge dimensions and bombs. A case may allocate what its honest content
    /// needs: up to <see cref="IdxReader.MaxGzipRatio"/> × its size, twice over while the buffer grows.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task GzipIdxBombs() => await Task.Run(() =>
    {
        using var folder = new TempFolder();
        string path = folder.File("case-idx.gz");
        harness.Run("gzip idx", GzipIdxCases, seed: 1032, GzipIdx, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            bool labels = bytes.Length > 20 && ReadsAsLabels(bytes);
            if (labels) IdxReader.ReadLabels(path);
            else IdxReader.ReadImages(path);
        }, memoryBudget: bytes => FuzzLimits.MemoryFor(bytes.Length) + 2L * IdxReader.MaxGzipRatio * bytes.Length);
    });

    /// <summary>Whether the gzipped header is that of a labels file (so that both readers get cases).</summary>
    private static bool ReadsAsLabels(byte[] gz)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
            Span<byte> magic = stackalloc byte[4];
            return gzip.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && BinaryPrimitives.ReadInt32BigEndian(magic) == IdxReader.LabelsMagic;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>A tar header's size field or type byte changed, its checksum kept right.</summary>
    private static byte[] MutateTar(Random random, byte[] tar)
    {
        var bytes = (byte[])tar.Clone();
        int headers = bytes.Length / 512;
        int at = 512 * random.Next(headers);
        switch (random.Next(3))
        {
            case 0:
                {
                    string[] sizes = ["00000000000", "77777777777", "00000000001", "10000000000", "7777777777 ", "abc", "", "-1"];
                    var field = System.Text.Encoding.ASCII.GetBytes(sizes[random.Next(sizes.Length)].PadRight(12, '\0'));
                    field.AsSpan(0, 12).CopyTo(bytes.AsSpan(at + 124));
                    break;
                }
            case 1:
                bytes[at + 156] = (byte)"0125xgLKSV7\0"[random.Next(12)];
                break;
            default:
                bytes[at + random.Next(512)] = (byte)random.Next(256);
                break;
        }
        if (random.Next(4) != 0) HostileTar.Sign(bytes.AsSpan(at, 512));
        return bytes;
    }

    /// <summary>Package tarballs: tar headers and bytes damaged (then gzipped), or the gzip damaged, through InstallFromTarball.</summary>
    [Fact(Timeout = 120_000)]
    public async Task TarballMutations() => await Task.Run(() =>
    {
        using var folder = new TempFolder();
        var tar = HostileTar.Tar([.. FakePackage.GoodEntries.Select(e => (TarEntry)HostileTar.File(e.Item1, e.Item2))]);
        string path = folder.File("case.tgz");
        int n = 0;
        harness.Run("tarball", TarballCases, seed: 512, random => random.Next(4) switch
        {
            0 => FuzzHarness.MutateBytes(random, HostileTar.Gzip(tar)),
            1 => HostileTar.Gzip(FuzzHarness.MutateBytes(random, tar)),
            _ => HostileTar.Gzip(MutateTar(random, tar)),
        }, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            new PackageFetcher(folder.File($"home{n++}"), "npm").InstallFromTarball(FakePackage.Spec, path);
        }, minRejectedPercent: 30);
    });
}
