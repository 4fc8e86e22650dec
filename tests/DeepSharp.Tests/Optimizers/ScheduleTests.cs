using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Optimizers;

/// <summary>Each schedule against its closed form (Keras's), at steps that cross its corners.</summary>
public class ScheduleTests
{
    private static readonly long[] Steps = [0, 1, 5, 9, 10, 11, 25, 99, 100, 101, 250];

    private static void Matches(LearningRateSchedule schedule, Func<double, double> closedForm)
    {
        foreach (long s in Steps)
        {
            double expected = closedForm(s);
            Assert.True(Math.Abs(expected - schedule.Rate(s)) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"step {s}: {schedule.Rate(s)}, expected {expected}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExponentialDecay(bool staircase) => Matches(
        new ExponentialDecay(0.1f, 10, 0.5f, staircase),
        s => 0.1 * Math.Pow(0.5, staircase ? Math.Floor(s / 10) : s / 10));       // lr·rate^(s/decaySteps)

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InverseTimeDecay(bool staircase) => Matches(
        new InverseTimeDecay(0.1f, 10, 0.5f, staircase),
        s => 0.1 / (1 + 0.5 * (staircase ? Math.Floor(s / 10) : s / 10)));       // lr/(1 + rate·s/decaySteps)

    [Fact]
    public void PiecewiseConstantDecay() => Matches(
        new PiecewiseConstantDecay([10, 100], [1f, 0.5f, 0.1f]),
        s => s <= 10 ? 1 : s <= 100 ? 0.5 : 0.1);                                  // boundaries are inclusive on the left piece

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PolynomialDecay(bool cycle) => Matches(
        new PolynomialDecay(0.1f, 100, endLearningRate: 0.01f, power: 2f, cycle: cycle),
        s =>
        {
            double horizon = cycle ? 100 * Math.Max(1, Math.Ceiling(s / 100)) : 100;
            double p = cycle ? s : Math.Min(s, 100);
            return (0.1 - 0.01) * Math.Pow(1 - p / horizon, 2) + 0.01;             // (lr − end)(1 − s/T)^power + end
        });

    [Fact]
    public void CosineDecayWithoutWarmup() => Matches(
        new CosineDecay(0.1f, 100, alpha: 0.1f),
        s => 0.1 * (0.9 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(s, 100) / 100)) + 0.1));

    [Fact]
    public void CosineDecayWithWarmup() => Matches(
        new CosineDecay(0f, 100, warmupTarget: 0.2f, warmupSteps: 10),
        s => s < 10 ? 0.2 * s / 10                                                  // linear from 0 to the target
            : 0.2 * 0.5 * (1 + Math.Cos(Math.PI * (Math.Min(s, 110) - 10) / 100))); // then cosine from the target

    [Theory]
    [InlineData(2f, 0.5f)]
    [InlineData(1f, 1f)]
    public void CosineDecayRestarts(float tMul, float mMul) => Matches(
        new CosineDecayRestarts(0.1f, 10, tMul, mMul, alpha: 0.05f),
        s =>
        {
            // Walk the periods: 10, 10·tMul, 10·tMul², ...; the peak is multiplied by mMul each restart.
            double start = 0, length = 10, peak = 1;
            while (s >= start + length) { start += length; length *= tMul; peak *= mMul; }
            double fraction = (s - start) / length;
            return 0.1 * (0.95 * 0.5 * peak * (1 + Math.Cos(Math.PI * fraction)) + 0.05);
        });

    [Fact]
    public void OptimizerFollowsItsScheduleStepByStep()
    {
        var sgd = new Sgd(new ExponentialDecay(1f, 1, 0.5f));
        var p = OptimizerTests.OneWeight([0f]);
        double w = 0;
        for (int t = 0; t < 3; t++)
        {
            Assert.Equal(Math.Pow(0.5, t), sgd.LearningRate, 6);                    // the rate of the next step
            p.Value.Grad = Tensor.FromArray([1f], 1, 1);
            sgd.Apply([p]);
            w -= Math.Pow(0.5, t);                                                  // step t uses lr(t) (t finished steps)
            Assert.Equal(w, p.Value.Span[0], 6);
        }
        Assert.Throws<InvalidOperationException>(() => sgd.LearningRate = 0.1f);
    }

    [Fact]
    public void FloatsConvertToConstantRates()
    {
        LearningRateSchedule rate = 0.3f;
        Assert.Equal(0.3f, rate.Rate(1000));
        var adam = new Adam(0.3f);
        adam.LearningRate = 0.1f;
        Assert.Equal(0.1f, adam.LearningRate);
    }
}
