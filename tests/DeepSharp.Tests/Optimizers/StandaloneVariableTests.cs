using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// Parameters made from raw tensors (Keras's <c>keras.Variable</c>, PyTorch's <c>requires_grad=True</c> tensor)
/// in a training loop of one's own: gradients, every optimizer's Apply, ZeroGrad, state and checkpoints.
/// </summary>
public class StandaloneVariableTests
{
    [Fact]
    public void HoldsACopyAndRecordsGradients()
    {
        var source = Tensor.FromArray([1f, -1f, 2f], 3);
        var w = new Parameter(source, "w");
        Assert.Equal("w", w.Name);
        Assert.Equal("w", w.Path);
        Assert.Null(w.Owner);
        Assert.True(w.Trainable);
        Assert.True(w.Value.RequiresGrad);
        Assert.False(source.RequiresGrad);
        Assert.NotSame(source, w.Value);
        source.Span[0] = 9f;
        Assert.Equal(1f, w.Value.Span[0]); // a copy, as Keras's Variable

        // L = Σ (3w)² → ∂L/∂w = 18w
        (w.Value * 3f).Square().Sum().Backward();
        Assert.Equal([18f, -18f, 36f], w.Grad!.ToArray());
        Assert.Same(w.Value.Grad, w.Grad);
    }

    [Fact]
    public void UnnamedVariablesGetKerasStyleDistinctNames()
    {
        var a = new Parameter(Tensor.Zeros(2));
        var b = new Parameter(Tensor.Zeros(2));
        Assert.StartsWith("variable", a.Name);
        Assert.StartsWith("variable", b.Name);
        Assert.NotEqual(a.Name, b.Name);
    }

    [Fact]
    public void AdamStepOnRawTensorsMatchesKerasFormula()
    {
        // PyTorch: w = torch.zeros(2, requires_grad=True); opt = Adam([w], lr=0.1); loss.backward(); opt.step()
        var w = new Parameter(Tensor.Zeros(2));
        var target = Tensor.FromArray([1f, -2f], 2);
        var adam = new Adam(0.1f);
        double[] expected = [0, 0], m = new double[2], v = new double[2];
        for (int t = 1; t <= 3; t++)
        {
            w.ZeroGrad();
            ((w.Value - target).Square()).Sum().Backward();
            double[] g = [2 * (expected[0] - 1), 2 * (expected[1] + 2)];   // ∂/∂w Σ (w − t)²
            for (int i = 0; i < 2; i++) Assert.Equal(g[i], w.Grad!.Span[i], 4);
            adam.Apply([w]);
            double lrT = 0.1 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            for (int i = 0; i < 2; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                expected[i] -= lrT * m[i] / (Math.Sqrt(v[i]) + 1e-7);
            }
            for (int i = 0; i < 2; i++) Assert.Equal(expected[i], w.Value.Span[i], 4);
        }
        Assert.Equal(3, adam.Iterations);
    }

    [Fact]
    public void SgdLinearRegressionConverges()
    {
        var features = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        var target = Tensor.FromArray(new float[,] { { 0.5f }, { 2.5f }, { 4.5f } });   // 2a − b + 0.5
        var weight = new Parameter(Tensor.Zeros(2, 1), "weight");
        var bias = new Parameter(Tensor.Zeros(1), "bias");
        var sgd = new Sgd(0.02f);
        for (int step = 0; step < 2000; step++)
        {
            weight.ZeroGrad();
            bias.ZeroGrad();
            (features.MatMul(weight.Value) + bias.Value - target).Square().Mean().Backward();
            sgd.Apply([weight, bias]);
        }
        var fitted = features.MatMul(weight.Value) + bias.Value;
        for (int i = 0; i < 3; i++) Assert.Equal(target.Span[i], fitted.Span[i], 2);
    }

    public static TheoryData<string> OptimizerNames => ["sgd", "sgd_nesterov", "adam", "adamw", "adamax", "adagrad", "adadelta", "ftrl", "lion", "nadam", "rmsprop"];

    private static Optimizer Make(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "sgd_nesterov" => new Sgd(0.1f, momentum: 0.9f, nesterov: true),
        "adam" => new Adam(0.05f),
        "adamw" => new AdamW(0.05f),
        "adamax" => new Adamax(0.05f),
        "adagrad" => new Adagrad(0.05f),
        "adadelta" => new Adadelta(0.5f),
        "ftrl" => new Ftrl(0.05f),
        "lion" => new Lion(0.01f),
        "nadam" => new Nadam(0.05f),
        "rmsprop" => new RmsProp(0.05f, momentum: 0.5f),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void EveryOptimizerUpdatesAStandaloneVariableAsALayerWeight(string name)
    {
        // Two variables through one optimizer, against the same values as layer weights through two
        // optimizers: the update is the layer weights' and the state is kept per variable.
        var a = new Parameter(Tensor.FromArray([1f, -2f, 0.5f], 1, 3), "a");
        var b = new Parameter(Tensor.FromArray([0.3f, 0.1f, -0.7f], 1, 3), "b");
        var layerA = OptimizerTests.OneWeight([1f, -2f, 0.5f]);
        var layerB = OptimizerTests.OneWeight([0.3f, 0.1f, -0.7f]);
        var shared = Make(name);
        var (forA, forB) = (Make(name), Make(name));
        for (int t = 0; t < 3; t++)
        {
            var g = OptimizerTests.Gradients[t];
            var h = OptimizerTests.Gradients[2 - t];
            a.Value.Grad = Tensor.FromArray((float[])g.Clone(), 1, 3);
            b.Value.Grad = Tensor.FromArray((float[])h.Clone(), 1, 3);
            layerA.Value.Grad = Tensor.FromArray((float[])g.Clone(), 1, 3);
            layerB.Value.Grad = Tensor.FromArray((float[])h.Clone(), 1, 3);
            shared.Apply([a, b]);
            forA.Apply([layerA]);
            forB.Apply([layerB]);
        }
        Assert.Equal(layerA.Value.ToArray(), a.Value.ToArray());
        Assert.Equal(layerB.Value.ToArray(), b.Value.ToArray());
        Assert.NotEqual([1f, -2f, 0.5f], a.Value.ToArray());
    }

    [Fact]
    public void ZeroGradDropsOrClearsTheGradient()
    {
        var w = new Parameter(Tensor.FromArray([1f, 2f], 2));
        (w.Value * w.Value).Sum().Backward();
        (w.Value * w.Value).Sum().Backward();   // a second forward pass: gradients accumulate
        Assert.Equal([4f, 8f], w.Grad!.ToArray());
        var grad = w.Grad;
        w.ZeroGrad(setToNone: false);
        Assert.Same(grad, w.Grad);
        Assert.Equal([0f, 0f], w.Grad!.ToArray());
        w.ZeroGrad();
        Assert.Null(w.Grad);
        var sgd = new Sgd(0.1f);
        sgd.Apply([w]);   // no gradient: left alone
        Assert.Equal([1f, 2f], w.Value.ToArray());
    }

    [Fact]
    public void FrozenVariableIsNotUpdated()
    {
        var w = new Parameter(Tensor.FromArray([1f, 2f], 2), "frozen", trainable: false);
        Assert.False(w.Trainable);
        Assert.False(w.Value.RequiresGrad);
        w.Value.Grad = Tensor.FromArray([1f, 1f], 2);
        new Sgd(0.1f).Apply([w]);
        Assert.Equal([1f, 2f], w.Value.ToArray());
    }

    [Fact]
    public void AssignCopiesInPlaceAndChecksTheShape()
    {
        var w = new Parameter(Tensor.FromArray([1f, 2f], 2), "w");
        var value = w.Value;
        using (NoGrad.Scope()) w.Assign(w.Value * 2f);
        Assert.Same(value, w.Value);
        Assert.Equal([2f, 4f], w.Value.ToArray());
        var e = Assert.Throws<ShapeMismatchException>(() => w.Assign(Tensor.Zeros(3)));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("(3,)", e.Message);
    }

    [Fact]
    public void BadInputIsRefusedWithItsName()
    {
        var e = Assert.Throws<ArgumentException>(() => new Parameter(Tensor.FromArray(new[] { 1, 2 }, 2), "ids"));
        Assert.Contains("'ids'", e.Message);
        Assert.Contains("Int32", e.Message);
        Assert.Throws<ArgumentException>(() => new Parameter(Tensor.Zeros(2), " "));
    }

    [Fact]
    public void StateOfVariablesSharingANameIsRefused()
    {
        var a = new Parameter(Tensor.Zeros(2), "w");
        var b = new Parameter(Tensor.Zeros(2), "w");
        var adam = new Adam();
        a.Value.Grad = Tensor.Ones(2);
        b.Value.Grad = Tensor.Ones(2);
        adam.Apply([a, b]);
        var e = Assert.Throws<InvalidOperationException>(() => adam.GetState());
        Assert.Contains("'w'", e.Message);
        var restored = Assert.Throws<InvalidOperationException>(() => adam.SetState(new Adam().GetState()));
        Assert.Contains("SetState", restored.Message);
        Assert.Contains("'w'", restored.Message);
    }

    [Fact]
    public void CheckpointOfVariablesAndOptimizerResumesBitForBit()
    {
        static void Step(Parameter w, Optimizer opt, int t)
        {
            w.ZeroGrad();
            ((w.Value - Tensor.FromArray([1f, -2f, 3f], 3)).Square() * (1f + t)).Sum().Backward();
            opt.Apply([w]);
        }

        var straight = new Parameter(Tensor.FromArray([0.5f, 0.5f, 0.5f], 3), "w");
        var straightAdam = new Adam(0.1f);
        for (int t = 0; t < 5; t++) Step(straight, straightAdam, t);

        var first = new Parameter(Tensor.FromArray([0.5f, 0.5f, 0.5f], 3), "w");
        var firstAdam = new Adam(0.1f);
        for (int t = 0; t < 3; t++) Step(first, firstAdam, t);
        string path = Path.Combine(Path.GetTempPath(), $"standalone-{Guid.NewGuid():N}.ckpt");
        try
        {
            var checkpoint = new Checkpoint { Optimizer = firstAdam.GetState() };
            checkpoint.Weights[first.Path] = first.Value;
            checkpoint.Save(path);

            var loaded = Checkpoint.Load(path);
            var resumed = new Parameter(loaded.Weights["w"], "w");
            var resumedAdam = new Adam(0.1f);
            resumedAdam.SetState(loaded.Optimizer);
            Assert.Equal(3, resumedAdam.Iterations);
            for (int t = 3; t < 5; t++) Step(resumed, resumedAdam, t);
            Assert.Equal(straight.Value.ToArray(), resumed.Value.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
