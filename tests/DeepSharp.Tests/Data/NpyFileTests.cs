using DeepSharp.Data;
using DeepSharp.Tensors;
using DeepSharp.Tests.Architecture;

namespace DeepSharp.Tests.Data;

/// <summary>
/// <see cref="NpyFile"/> against files NumPy 1.24 wrote (Data/Npy, made by make_fixtures.py beside them):
/// every dtype and version it reads, the ones it refuses, and Save's bytes equal to np.save's.
/// </summary>
public class NpyFileTests
{
    private static string Fixture(string name) => Path.Combine(RepositoryRoot.Path, "tests", "DeepSharp.Tests", "Data", "Npy", name);

    [Theory]
    [InlineData("f4_2x3.npy", new[] { 2, 3 }, new[] { -1f, -0.5f, 0f, 0.5f, 1f, 1.5f })]
    [InlineData("f8_3.npy", new[] { 3 }, new[] { 0.1f, -2.5f, 1e30f })]
    [InlineData("f4_scalar.npy", new int[0], new[] { 3.5f })]
    [InlineData("f4_0x3.npy", new[] { 0, 3 }, new float[0])]
    [InlineData("f4_v2.npy", new[] { 2, 2 }, new[] { 1f, 2f, 3f, 4f })]
    [InlineData("f4_v3.npy", new[] { 2, 2 }, new[] { 1f, 2f, 3f, 4f })]
    public void ReadsNumPysFloatArrays(string name, int[] shape, float[] values)
    {
        var tensor = NpyFile.Load(Fixture(name));
        Assert.Equal(DType.Float32, tensor.DType);
        Assert.Equal(new Shape(shape), tensor.Shape);
        Assert.Equal(values, tensor.ToArray());
    }

    [Theory]
    [InlineData("i4_2x2.npy", new[] { 2, 2 }, new[] { 1, -2, int.MaxValue, int.MinValue })]
    [InlineData("i8_4.npy", new[] { 4 }, new[] { 0, -1, int.MaxValue, int.MinValue })]
    [InlineData("u1_2x2x2.npy", new[] { 2, 2, 2 }, new[] { 0, 1, 127, 128, 200, 254, 255, 7 })]
    [InlineData("i1_3.npy", new[] { 3 }, new[] { -128, 0, 127 })]
    public void ReadsNumPysIntegerArraysAsInt32(string name, int[] shape, int[] values)
    {
        var tensor = NpyFile.Load(Fixture(name));
        Assert.Equal(DType.Int32, tensor.DType);
        Assert.Equal(new Shape(shape), tensor.Shape);
        Assert.Equal(values, tensor.ToIntArray());
    }

    [Theory]
    [InlineData("f4_fortran.npy", "is in Fortran (column-major) order; DeepSharp reads C order: save np.ascontiguousarray(a) instead")]
    [InlineData("f4_big_endian.npy", "dtype '>f4' is big-endian; DeepSharp reads little-endian data: save a.astype('<f4') instead")]
    [InlineData("i8_too_large.npy", "element 1 of '<i8' (byte 136) is 2147483648, outside int32's range")]
    [InlineData("f2_half.npy", "dtype '<f2' is not one DeepSharp reads (<f4, <f8, <i4, <i8, |u1, |i1)")]
    public void RefusesWhatItCannotReadSayingHowToConvert(string name, string message)
    {
        var e = Assert.Throws<DataFormatException>(() => NpyFile.Load(Fixture(name)));
        Assert.Contains($"npy file '{Fixture(name)}': ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("f4_2x3.npy")]
    [InlineData("i4_2x2.npy")]
    [InlineData("f4_scalar.npy")]
    [InlineData("f4_0x3.npy")]
    public void SaveWritesTheBytesNumPyWrites(string name)
    {
        using var folder = new TempFolder();
        string path = folder.File("nested/copy.npy"); // the folder is created, as every DeepSharp save does
        NpyFile.Save(path, NpyFile.Load(Fixture(name)));
        Assert.Equal(File.ReadAllBytes(Fixture(name)), File.ReadAllBytes(path));
    }

    [Fact]
    public void SaveAndLoadRoundTripEveryRankAndBothDTypes()
    {
        using var folder = new TempFolder();
        var random = new Random(3);
        int[][] shapes = [[], [1], [7], [0], [2, 3], [3, 1, 4], [2, 2, 2, 2], [1, 1, 1, 1, 1, 5], [1000, 3], [70001]];
        foreach (var dims in shapes)
        {
            var shape = new Shape(dims);
            var floats = Enumerable.Range(0, shape.Size).Select(_ => (float)random.NextDouble() * 2e6f - 1e6f).ToArray();
            var ints = Enumerable.Range(0, shape.Size).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray();
            foreach (var tensor in new[] { Tensor.FromArray(floats, shape), Tensor.FromArray(ints, shape) })
            {
                string path = folder.File("t.npy");
                NpyFile.Save(path, tensor);
                Assert.Equal(0, (new FileInfo(path).Length - tensor.Shape.Size * 4L) % 64); // the data starts 64-byte aligned, as NumPy's
                var back = NpyFile.Load(path);
                Assert.Equal(tensor.DType, back.DType);
                Assert.Equal(tensor.Shape, back.Shape);
                if (tensor.DType == DType.Int32) Assert.Equal(tensor.ToIntArray(), back.ToIntArray());
                else Assert.Equal(tensor.ToArray(), back.ToArray());
            }
        }
    }

    [Fact]
    public void SavesAViewAsItsOwnElements()
    {
        using var folder = new TempFolder();
        var whole = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 4, 3);
        NpyFile.Save(folder.File("rows.npy"), whole.SliceRows(1, 2));
        var back = NpyFile.Load(folder.File("rows.npy"));
        Assert.Equal(new Shape(2, 3), back.Shape);
        Assert.Equal([3f, 4f, 5f, 6f, 7f, 8f], back.ToArray());
    }

    /// <summary>Float64, int64 and byte arrays are converted in 64 KB chunks: lengths across several chunks, and one short of and past a boundary.</summary>
    [Theory]
    [InlineData(8191)]
    [InlineData(8193)]
    [InlineData(70_001)]
    public void ConvertsAcrossChunkBoundaries(int count)
    {
        using var folder = new TempFolder();
        var random = new Random(count);
        var doubles = Enumerable.Range(0, count).Select(_ => random.NextDouble() * 1e6 - 5e5).ToArray();
        var longs = Enumerable.Range(0, count).Select(_ => (long)random.Next(int.MinValue, int.MaxValue)).ToArray();
        var bytes = new byte[count];
        random.NextBytes(bytes);
        File.WriteAllBytes(folder.File("f8.npy"), [.. NpyFile.Header("<f8", [count]), .. doubles.SelectMany(BitConverter.GetBytes)]);
        File.WriteAllBytes(folder.File("i8.npy"), [.. NpyFile.Header("<i8", [count]), .. longs.SelectMany(BitConverter.GetBytes)]);
        File.WriteAllBytes(folder.File("u1.npy"), [.. NpyFile.Header("|u1", [count]), .. bytes]);
        File.WriteAllBytes(folder.File("i1.npy"), [.. NpyFile.Header("|i1", [count]), .. bytes]);
        Assert.Equal(doubles.Select(d => (float)d).ToArray(), NpyFile.Load(folder.File("f8.npy")).ToArray());
        Assert.Equal(longs.Select(l => (int)l).ToArray(), NpyFile.Load(folder.File("i8.npy")).ToIntArray());
        Assert.Equal(bytes.Select(b => (int)b).ToArray(), NpyFile.Load(folder.File("u1.npy")).ToIntArray());
        Assert.Equal(bytes.Select(b => (int)(sbyte)b).ToArray(), NpyFile.Load(folder.File("i1.npy")).ToIntArray());
    }

    [Fact]
    public void AFloat64BeyondFloat32sRangeIsRefusedNotMadeInfinite()
    {
        using var folder = new TempFolder();
        var header = NpyFile.Header("<f8", [2]);
        var bytes = header.Concat(BitConverter.GetBytes(double.PositiveInfinity)).Concat(BitConverter.GetBytes(-1e300)).ToArray();
        File.WriteAllBytes(folder.File("big.npy"), bytes);
        var e = Assert.Throws<DataFormatException>(() => NpyFile.Load(folder.File("big.npy")));
        Assert.Contains($"element 1 of '<f8' (byte {header.Length + 8}) is -1E+300, outside float32's range", e.Message);
    }

    [Fact]
    public void AMissingFileOrAFolderIsAFileAccessException()
    {
        using var folder = new TempFolder();
        Assert.Throws<FileAccessException>(() => NpyFile.Load(folder.File("absent.npy")));
        Assert.Throws<FileAccessException>(() => NpyFile.Load(folder.Path));
    }
}
