using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

/// <summary>Large tensors' elements start on a 64-byte cache line; small ones and wrapped arrays keep index 0.</summary>
public class TensorAlignmentTests
{
    private static unsafe long LineOffset(Span<float> span) =>
        (long)((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span)) % 64);

    private static unsafe long LineOffset(Span<int> span) =>
        (long)((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span)) % 64);

    [Theory]
    [InlineData(21_250)]
    [InlineData(21_269)]
    [InlineData(262_147)]
    [InlineData(1 << 20)]
    public void ALargeTensorStartsOnACacheLine(int size)
    {
        if (!CpuStorage<float>.AlignLarge) return; // DEEPSHARP_ALIGN_TENSORS=0: the diagnostic A/B switch is off
        Assert.Equal(0, LineOffset(Tensor.Zeros(new Shape(size)).Span));
        Assert.Equal(0, LineOffset(Tensor.Empty(new Shape(size)).Span));
        Assert.Equal(0, LineOffset(Tensor.IntZeros(new Shape(size)).IntSpan));
        for (int round = 0; round < 3; round++)
        {
            using (Tensor.Scope())
            {
                var temp = Tensor.Temp(new Shape(size), clear: true);
                Assert.Equal(0, LineOffset(temp.Span));
                Assert.Equal(size, temp.Span.Length);
                Assert.All(temp.ToArray(), v => Assert.Equal(0f, v));
                temp.Span.Fill(round + 1);
            }
        }
    }

    [Fact]
    public void AlignedMemoryHoldsExactlyItsElementsAndSurvivesACompactingCollection()
    {
        const int size = 30_011;
        var tensor = Tensor.FromArray(Enumerable.Range(0, size).Select(i => (float)i).ToArray(), new Shape(size));
        var copy = Tensor.Empty(new Shape(size));
        tensor.Span.CopyTo(copy.Span);
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        if (CpuStorage<float>.AlignLarge) Assert.Equal(0, LineOffset(copy.Span));
        Assert.Equal(size, copy.Span.Length);
        Assert.Equal(tensor.ToArray(), copy.ToArray());
        Assert.Equal(size, ((CpuStorage<float>)copy.Storage).Capacity);
    }

    [Fact]
    public void AWrappedArrayIsServedFromItsFirstElement()
    {
        var data = new float[4096];
        data[0] = 7f;
        var tensor = Tensor.FromArray(data, new Shape(4096));
        Assert.Equal(7f, tensor.Span[0]);
        Assert.Equal(0, ((CpuStorage<float>)tensor.Storage).Start);
    }
}
