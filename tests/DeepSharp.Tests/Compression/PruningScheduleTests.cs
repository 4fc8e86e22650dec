using DeepSharp.Compression;

namespace DeepSharp.Tests.Compression;

/// <summary>The sparsity schedules against tfmot's formulas.</summary>
public class PruningScheduleTests
{
    [Fact]
    public void PolynomialDecayFollowsTfmotsFormula()
    {
        var s = new PolynomialDecaySparsity(0.2f, 0.8f, beginStep: 10, endStep: 20, power: 3f, frequency: 5);
        foreach (long step in new long[] { 0, 10, 12, 15, 19, 20, 30 })
        {
            double p = Math.Clamp((step - 10) / 10.0, 0, 1);
            Assert.Equal(0.8 + (0.2 - 0.8) * Math.Pow(1 - p, 3), s.Sparsity(step), 6);
        }
        Assert.Equal([false, true, false, true, true, false], new long[] { 9, 10, 11, 15, 20, 25 }.Select(s.ShouldPrune));
    }

    [Fact]
    public void ConstantSparsityPrunesEveryFrequencyStepsFromItsBegin()
    {
        var s = new ConstantSparsity(0.9f, beginStep: 3, frequency: 2);
        Assert.Equal(0.9f, s.Sparsity(1000));
        Assert.Equal([false, true, false, true, true], new long[] { 2, 3, 4, 5, 1001 }.Select(s.ShouldPrune));
        Assert.False(new ConstantSparsity(0.5f, 0, endStep: 4, frequency: 1).ShouldPrune(5));
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new ConstantSparsity(1f, 0));
        Assert.Throws<ArgumentException>(() => new ConstantSparsity(0.5f, 0, frequency: 0));
        Assert.Throws<ArgumentException>(() => new PolynomialDecaySparsity(0f, 0.5f, 5, 5));
        Assert.Throws<ArgumentException>(() => new PolynomialDecaySparsity(0f, float.NaN, 0, 5));
    }
}
