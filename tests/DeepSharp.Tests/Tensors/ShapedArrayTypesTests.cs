using DeepSharp.Tensors;

namespace DeepSharp.Tests.Tensors;

/// <summary>
/// ToShapedArray under NativeAOT takes its array types from a compiled-in list instead of
/// Type.MakeArrayType; the list must give what MakeArrayType gives under the JIT, rank for rank.
/// </summary>
public class ShapedArrayTypesTests
{
    [Theory]
    [InlineData(typeof(float))]
    [InlineData(typeof(int))]
    public void CompiledArrayTypesAreTheArraysOfEachRank(Type element)
    {
        for (int rank = 1; rank <= Tensor.AotArrayRanks; rank++)
            Assert.Equal(rank == 1 ? element.MakeArrayType() : element.MakeArrayType(rank), Tensor.CompiledArrayType(element, rank));
        Assert.Null(Tensor.CompiledArrayType(element, Tensor.AotArrayRanks + 1));
        Assert.Null(Tensor.CompiledArrayType(element, 0));
    }

    [Fact]
    public void ShapedArraysOfEveryRankHoldTheElementsRowMajor()
    {
        for (int rank = 1; rank <= 9; rank++)
        {
            var dims = Enumerable.Range(0, rank).Select(i => i % 3 == 0 ? 2 : 1).ToArray();
            int size = dims.Aggregate(1, (a, d) => a * d);
            var values = Enumerable.Range(0, size).Select(i => (float)i).ToArray();
            var array = Tensor.FromArray(values, dims).ToShapedArray();
            Assert.Equal(rank, array.Rank);
            Assert.Equal(values, array.Cast<float>());
        }
    }
}
