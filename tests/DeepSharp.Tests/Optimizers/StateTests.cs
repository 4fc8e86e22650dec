using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Optimizers;

public class OptimizerStateTests
{
    [Theory]
    [InlineData("adam")]
    [InlineData("nadam")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    [InlineData("adamax")]
    [InlineData("adadelta")]
    [InlineData("lion")]
    [InlineData("ftrl")]
    public void RestoredStateContinuesBitForBit(string name)
    {
        Optimizer Make() => name switch
        {
            "adam" => new Adam(0.01f),
            "nadam" => new Nadam(0.01f),
            "rmsprop" => new RmsProp(0.01f, momentum: 0.5f, centered: true),
            "adamax" => new Adamax(0.01f),
            "adadelta" => new Adadelta(1f),
            "lion" => new Lion(0.01f),
            "ftrl" => new Ftrl(0.1f, l1RegularizationStrength: 0.01f),
            _ => new Adagrad(0.01f),
        };
        var a = OptimizerTests.OneWeight([1f, -2f, 0.5f]);
        var first = Make();
        void Step(Optimizer o, DeepSharp.Nn.Parameter p, int t)
        {
            p.Value.Grad = Tensor.FromArray((float[])OptimizerTests.Gradients[t].Clone(), 1, 3);
            o.Apply([p]);
        }
        Step(first, a, 0);
        Step(first, a, 1);
        var state = first.GetState();
        Assert.Equal(2, state.Iterations);
        Assert.Contains(state.Tensors.Keys, k => k.StartsWith(a.Path + "/", StringComparison.Ordinal));

        // A fresh optimizer on a copy of the weights, restored before it has seen the parameter.
        var b = OptimizerTests.OneWeight(a.Value.ToArray());
        var second = Make();
        second.SetState(state);
        Step(first, a, 2);
        Step(second, b, 2);
        Assert.Equal(a.Value.ToArray(), b.Value.ToArray());
        Assert.Equal(3, second.Iterations);
        Assert.Throws<ArgumentException>(() => new Sgd().SetState(state));
    }

    [Fact]
    public void StateCarriesAChangedLearningRate()
    {
        var sgd = new Sgd(0.1f);
        sgd.LearningRate = 0.05f;
        var restored = new Sgd();
        restored.SetState(sgd.GetState());
        Assert.Equal(0.05f, restored.LearningRate);
    }
}
