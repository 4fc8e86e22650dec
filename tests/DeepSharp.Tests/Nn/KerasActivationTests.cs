using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras 3's activations softplus, softsign, relu6, hard_sigmoid, hard_silu (hard_swish), exponential, mish and
/// log_softmax: values computed in double from their definitions, keras.io's hard_silu example, gradients by finite
/// differences on both sides of every kink, names and model files.
/// </summary>
public class KerasActivationTests
{
    private static readonly float[] s_x = [-4f, -1f, 0f, 0.5f, 4f, 7f];

    public static TheoryData<string, float[]> Expected() => new()
    {
        // log(1 + eˣ), x/(1 + |x|), min(max(x, 0), 6), clip(x/6 + ½, 0, 1), x·hard_sigmoid(x), eˣ, x·tanh(softplus(x)), x − logΣeˣ
        { "softplus", [0.0181499f, 0.3132617f, 0.6931472f, 0.974077f, 4.0181499f, 7.0009115f] },
        { "softsign", [-0.8f, -0.5f, 0f, 0.3333333f, 0.8f, 0.875f] },
        { "relu6", [0f, 0f, 0f, 0.5f, 4f, 6f] },
        { "hard_sigmoid", [0f, 0.3333333f, 0.5f, 0.5833333f, 1f, 1f] },
        { "hard_silu", [0f, -0.3333333f, 0f, 0.2916667f, 4f, 7f] },
        { "exponential", [0.01831564f, 0.36787944f, 1f, 1.6487213f, 54.59815f, 1096.6332f] },
        { "mish", [-0.0725917f, -0.3034015f, 0f, 0.3752452f, 3.9974128f, 6.9999884f] },
        { "log_softmax", [-11.05122f, -8.05122f, -7.05122f, -6.55122f, -3.05122f, -0.05122f] },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void ValuesFollowTheDefinitions(string name, float[] expected)
    {
        var y = new ActivationLayer(name).Call(Tensor.FromArray(s_x, 1, 6)).ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(y[i] - expected[i]) <= 2e-6 + 1e-6 * Math.Abs(expected[i]), $"{name} at {s_x[i]}: {y[i]}, expected {expected[i]}");
    }

    [Fact]
    public void HardSiluMatchesKerasDocumentedExample()
    {
        // keras.ops.hard_silu([-3., -1., 0., 1., 3.]) on keras.io: [-0., -0.3333333, 0., 0.6666667, 3.]
        var y = Activation.FromName("hard_swish").Apply(Tensor.FromArray([-3f, -1f, 0f, 1f, 3f], 5)).ToArray();
        float[] keras = [0f, -0.3333333f, 0f, 0.6666667f, 3f];
        for (int i = 0; i < keras.Length; i++) Assert.True(Math.Abs(y[i] - keras[i]) < 1e-6, $"{i}: {y[i]} vs {keras[i]}");
        Assert.Same(Activation.HardSilu, Activation.FromName("hard_swish"));
    }

    [Fact]
    public void SoftplusAndMishStayFiniteForLargeInputs()
    {
        var x = Tensor.FromArray([-200f, -90f, 90f, 200f], 4);
        Assert.Equal([0f, 0f, 90f, 200f], Activation.Softplus.Apply(x).ToArray().Select(v => MathF.Round(v, 4)));
        Assert.All(Activation.Mish.Apply(x).ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData("softplus")]
    [InlineData("softsign")]
    [InlineData("relu6")]
    [InlineData("hard_sigmoid")]
    [InlineData("hard_silu")]
    [InlineData("exponential")]
    [InlineData("mish")]
    [InlineData("log_softmax")]
    public void GradientsMatchFiniteDifferences(string name)
    {
        // Away from the kinks (0 and 6 for relu6, ±3 for the hard ones) by more than the step, on both sides of each.
        var x = Tensor.FromArray([-5f, -3.4f, -2.6f, -0.7f, 0.3f, 1.9f, 2.7f, 3.3f, 5.2f, 6.4f], 2, 5);
        var activation = Activation.FromName(name);
        GradCheck.Check(t => activation.Apply(t[0]), [x], epsilon: 1e-2f);
    }

    [Fact]
    public void ModelFilesKeepTheNames()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = new Sequential(new Dense(3, "softplus", inputShape: [2]), new Dense(3, "hard_swish"), new ActivationLayer("mish"), new Dense(2, "log_softmax"));
        var x = Tensor.FromArray([0.5f, -1f, 2f, 0.25f], 2, 2);
        var before = model.Predict(x).ToArray();
        using var folder = new TempFolder();
        model.Save(folder.File("acts.safetensors"));
        var loaded = Model.Load(folder.File("acts.safetensors"));
        Assert.Equal(before, loaded.Predict(x).ToArray());
        Assert.Contains("\"hard_silu\"", loaded.ToJson());
    }

    [Fact]
    public void TheNamesAreTakenForActivationsOfYourOwn()
    {
        Assert.Throws<ArgumentException>(() => Activation.Custom("softplus", x => x));
        Assert.Throws<ArgumentException>(() => Activation.Custom("hard_swish", x => x));
    }
}
