using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// The LSTM op's fused sequence loop (recurrent product and cell per slice of units, taken from 9
/// batch rows on, without a mask or recurrent dropout): against the step-by-step Keras reference,
/// against finite differences, and bit for bit against the step-by-step path and across thread counts.
/// </summary>
public class LstmFusedStepsTests
{
    [Theory]
    [InlineData(true, false, 64)]
    [InlineData(false, true, 64)]
    [InlineData(true, true, 40)]
    public void MatchesTheKerasEquationsStepByStep(bool sequences, bool backwards, int units)
    {
        var p = Problem.Make("LSTM", batch: 9, time: 3, features: 5, units, seed: 21, sequences, backwards, mask: false, zeroOutput: false, dropout: false, initial: true);
        var (expectedOutput, expectedStates) = KerasRecurrentReference.Run(p.Reference);
        int steps = sequences ? p.Time : 1;
        foreach (int threads in new[] { 1, 2 })
        {
            var actual = WithThreads(threads, () => p.Run([p.X, p.Kernel, p.Recurrent, p.Bias, .. p.Initial]).ToArray());
            for (int b = 0; b < p.Batch; b++)
                for (int u = 0; u < units; u++)
                {
                    for (int s = 0; s < steps; s++)
                        AssertClose(expectedOutput[(b * steps + s) * units + u], actual[(b * (steps + 2) + s) * units + u], $"threads {threads} output b={b} s={s} u={u}");
                    for (int k = 0; k < 2; k++)
                        AssertClose(expectedStates[k][b * units + u], actual[(b * (steps + 2) + steps + k) * units + u], $"threads {threads} state {k} b={b} u={u}");
                }
        }
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, true, false)]
    public void GradientsMatchFiniteDifferences(bool sequences, bool backwards, bool initial)
    {
        var p = Problem.Make("LSTM", batch: 9, time: 3, features: 2, units: 64, seed: 8, sequences, backwards, mask: false, zeroOutput: false, dropout: false, initial);
        WithThreads(2, () =>
        {
            GradCheck.Check(p.Run, [p.X, p.Kernel, p.Recurrent, p.Bias, .. p.Initial], maxElementsPerInput: 12);
            return 0;
        });
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(96, false)]
    [InlineData(40, true)]
    public void SameBitsAsTheStepByStepPathAtAnyThreadCount(int units, bool sequences)
    {
        var p = Problem.Make("LSTM", batch: 11, time: 4, features: 3, units, seed: 4, sequences, backwards: false, mask: false, zeroOutput: false, dropout: false, initial: true);
        float[] Run(int threads, bool stepwise)
        {
            RecurrentPlan.ForceStepwise = stepwise;
            try
            {
                return WithThreads(threads, () =>
                {
                    var inputs = new[] { p.X, p.Kernel, p.Recurrent, p.Bias }.Concat(p.Initial).Select(t => t.Clone()).ToArray();
                    foreach (var t in inputs) t.RequiresGrad = true;
                    var y = p.Run(inputs);
                    Backprop.Backward(Ops.Sum(Ops.Multiply(y, y)));
                    return y.ToArray().Concat(inputs.SelectMany(t => t.Grad!.ToArray())).ToArray();
                });
            }
            finally { RecurrentPlan.ForceStepwise = false; }
        }
        var reference = Run(1, stepwise: true);
        Assert.Equal(reference, Run(1, stepwise: false));
        Assert.Equal(reference, Run(2, stepwise: false));
        Assert.Equal(reference, Run(3, stepwise: false));
    }

    private static T WithThreads<T>(int threads, Func<T> run)
    {
        int saved = Threads.Count;
        Threads.Count = threads;
        try { return run(); }
        finally { Threads.Count = saved; }
    }

    private static void AssertClose(double expected, float actual, string context) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 + 1e-5 * Math.Abs(expected), $"{context}: expected {expected}, got {actual}");
}
