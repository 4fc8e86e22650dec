using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// The fused recurrent ops against the step-by-step Keras reference (outputs and final states)
/// and against finite differences (every input: sequence, weights, bias, initial states), with
/// masks, going backwards, zero outputs for masks and fixed dropout masks.
/// </summary>
public class RecurrentOpTests
{
    public static TheoryData<string, bool, bool, bool, bool, bool> Variants()
    {
        var data = new TheoryData<string, bool, bool, bool, bool, bool>();
        foreach (string cell in new[] { "SimpleRNN", "LSTM", "GRU" })
        {
            //        cell, sequences, backwards, mask, zeroOutput, dropout
            data.Add(cell, false, false, false, false, false);
            data.Add(cell, true, false, false, false, false);
            data.Add(cell, true, true, false, false, false);
            data.Add(cell, true, false, true, false, false);
            data.Add(cell, false, true, true, false, false);
            data.Add(cell, true, true, true, true, false);
            data.Add(cell, true, false, false, false, true);
            data.Add(cell, false, true, true, false, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void MatchesTheKerasEquationsStepByStep(string cell, bool sequences, bool backwards, bool mask, bool zeroOutput, bool dropout)
    {
        var p = Problem.Make(cell, batch: 5, time: 4, features: 3, units: 3, seed: 11, sequences, backwards, mask, zeroOutput, dropout, initial: true);
        var y = p.Run([p.X, p.Kernel, p.Recurrent, p.Bias, .. p.Initial]);
        var (expectedOutput, expectedStates) = KerasRecurrentReference.Run(p.Reference);
        int steps = sequences ? p.Time : 1;
        Assert.Equal(new Shape(p.Batch, steps + p.Reference.States, p.Units), y.Shape);
        var actual = y.ToArray();
        for (int b = 0; b < p.Batch; b++)
            for (int u = 0; u < p.Units; u++)
            {
                for (int s = 0; s < steps; s++)
                    AssertClose(expectedOutput[(b * steps + s) * p.Units + u], actual[(b * y.Shape[1] + s) * p.Units + u], $"output b={b} s={s} u={u}");
                for (int k = 0; k < p.Reference.States; k++)
                    AssertClose(expectedStates[k][b * p.Units + u], actual[(b * y.Shape[1] + steps + k) * p.Units + u], $"state {k} b={b} u={u}");
            }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void GradientsMatchFiniteDifferences(string cell, bool sequences, bool backwards, bool mask, bool zeroOutput, bool dropout)
    {
        var p = Problem.Make(cell, batch: 5, time: 4, features: 2, units: 3, seed: 5, sequences, backwards, mask, zeroOutput, dropout, initial: true);
        GradCheck.Check(p.Run, [p.X, p.Kernel, p.Recurrent, p.Bias, .. p.Initial], maxElementsPerInput: 30);
    }

    [Fact]
    public void NoRecordingUnderNoGradAndNoInitialStateGradientWithoutInitialStates()
    {
        var p = Problem.Make("LSTM", 2, 3, 2, 2, seed: 3, sequences: false, backwards: false, mask: false, zeroOutput: false, dropout: false, initial: false);
        p.Kernel.RequiresGrad = true;
        using (NoGrad.Scope()) Assert.Null(p.Run([p.X, p.Kernel, p.Recurrent, p.Bias]).GradFn);
        var y = p.Run([p.X, p.Kernel, p.Recurrent, p.Bias]);
        Assert.Equal(4, y.GradFn!.Inputs.Count); // x, W, U, b: no initial states
    }

    [Fact]
    public void BadArgumentsNameTheOpAndShapes()
    {
        var x = Tensor.Zeros(2, 3, 4);
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.Lstm(x, Tensor.Zeros(4, 8), Tensor.Zeros(2, 6), null, new RecurrentArgs()));
        Assert.Contains("LSTM", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Ops.Gru(x, Tensor.Zeros(4, 6), Tensor.Zeros(2, 6), Tensor.Zeros(6), new RecurrentArgs()));
        Assert.Contains("(2, 6)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => Ops.SimpleRnn(x, Tensor.Zeros(4, 2), Tensor.Zeros(2, 2), null, new RecurrentArgs { Mask = Tensor.Zeros(2, 4) }));
        Assert.Contains("mask", e.Message);
        Assert.Throws<ShapeMismatchException>(() => Ops.SimpleRnn(Tensor.Zeros(2, 0, 4), Tensor.Zeros(4, 2), Tensor.Zeros(2, 2), null, new RecurrentArgs()));
    }

    private static void AssertClose(double expected, float actual, string context) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 + 1e-5 * Math.Abs(expected), $"{context}: expected {expected}, got {actual}");
}
