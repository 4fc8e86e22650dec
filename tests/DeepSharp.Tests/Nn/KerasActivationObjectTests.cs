using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Activations written as objects in Keras files: Keras 3's function object
/// (<c>{"module": ..., "class_name": "function", "config": "relu", "registered_name": ...}</c>) and the activation
/// layer objects Keras 3 and Keras 2 write for a layer passed as an activation (ReLU, LeakyReLU, ELU, Softmax,
/// Activation), in every layer that reads an activation; values against the formulas by hand, round trips,
/// finite-difference gradients and errors that name the layer and the key.
/// </summary>
public class KerasActivationObjectTests
{
    private static Layer Load(string type, string json) => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject());

    private static float[] Apply(Layer layer, float[] x)
    {
        var t = Tensor.FromArray(x, 1, x.Length);
        return layer.Call(t).ToArray();
    }

    private static readonly float[] s_x = [-2f, -0.7f, 0.3f, 1.2f, 3f];

    // Keras 3's serialize_keras_object of a function (module "builtins", registered_name "function") and the form
    // with module "keras.activations"; Keras 2's and Keras 3's LeakyReLU layer objects.
    public static TheoryData<string, string> FunctionObjects() => new()
    {
        { """{"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"}""", "relu" },
        { """{"module": "builtins", "class_name": "function", "config": "tanh", "registered_name": "function"}""", "tanh" },
        { """{"module": "keras.src.activations.activations", "class_name": "function", "config": "sigmoid", "registered_name": "sigmoid"}""", "sigmoid" },
        { """{"class_name": "Activation", "config": {"name": "activation", "trainable": true, "dtype": "float32", "activation": "softmax"}}""", "softmax" },
        { """{"module": "keras.layers", "class_name": "ReLU", "config": {"name": "re_lu", "max_value": null, "negative_slope": 0.0, "threshold": 0.0}, "registered_name": null}""", "relu" },
        { """{"module": "keras.layers", "class_name": "ReLU", "config": {"max_value": 6.0}, "registered_name": null}""", "relu6" },
        { """{"class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "trainable": true, "dtype": "float32", "alpha": 0.20000000298023224}}""", "leaky_relu" },
        { """{"module": "keras.layers", "class_name": "ELU", "config": {"alpha": 1.0}, "registered_name": null}""", "elu" },
        { """{"module": "keras.layers", "class_name": "Softmax", "config": {"axis": -1}, "registered_name": null}""", "softmax" },
    };

    [Theory]
    [MemberData(nameof(FunctionObjects))]
    public void ObjectsThatNameABuiltInAreThatBuiltIn(string activation, string name)
    {
        var dense = (Dense)Load("Dense", $$"""{"name": "dense", "units": 2, "activation": {{activation}}}""");
        Assert.Same(Activation.FromName(name), dense.Activation);
        // DeepSharp writes the name back, as Keras 3 does for a built-in.
        Assert.Equal(name, dense.GetConfig()["activation"]!.GetValue<string>());
    }

    /// <summary>x ↦ expected, from each layer's definition with its arguments.</summary>
    public static TheoryData<string, float[]> LayerObjects() => new()
    {
        // Keras 2: LeakyReLU(alpha=0.1): x for x > 0, 0.1·x otherwise.
        { """{"class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "trainable": true, "dtype": "float32", "alpha": 0.1}}""", [-0.2f, -0.07f, 0.3f, 1.2f, 3f] },
        // Keras 3: LeakyReLU(negative_slope=0.5).
        { """{"module": "keras.layers", "class_name": "LeakyReLU", "config": {"negative_slope": 0.5}, "registered_name": null}""", [-1f, -0.35f, 0.3f, 1.2f, 3f] },
        // Keras 3 without arguments: the layer's default slope 0.3 (not the function's 0.2).
        { """{"module": "keras.layers", "class_name": "LeakyReLU", "config": {}, "registered_name": null}""", [-0.6f, -0.21f, 0.3f, 1.2f, 3f] },
        // ReLU(max_value=2.5, negative_slope=0.1, threshold=0.5): min(x, 2.5) for x ≥ 0.5, 0.1·(x − 0.5) below.
        { """{"module": "keras.layers", "class_name": "ReLU", "config": {"max_value": 2.5, "negative_slope": 0.1, "threshold": 0.5}, "registered_name": null}""",
            [-0.25f, -0.12f, -0.02f, 1.2f, 2.5f] },
        // ELU(alpha=0.5): x for x > 0, 0.5·(eˣ − 1) otherwise.
        { """{"module": "keras.layers", "class_name": "ELU", "config": {"alpha": 0.5}, "registered_name": null}""",
            [0.5f * (MathF.Exp(-2f) - 1f), 0.5f * (MathF.Exp(-0.7f) - 1f), 0.3f, 1.2f, 3f] },
        // An Activation layer object holding a LeakyReLU object.
        { """{"class_name": "Activation", "config": {"activation": {"class_name": "LeakyReLU", "config": {"negative_slope": 0.1}}}}""", [-0.2f, -0.07f, 0.3f, 1.2f, 3f] },
    };

    [Theory]
    [MemberData(nameof(LayerObjects))]
    public void LayerObjectsComputeTheirFormulaAndRoundTrip(string activation, float[] expected)
    {
        // As Activation layer's activation and as Dense's (an identity kernel, no bias).
        var layer = Load("Activation", $$"""{"name": "act", "activation": {{activation}}}""");
        var y = Apply(layer, s_x);
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - expected[i]) < 1e-6f, $"at {s_x[i]}: {y[i]}, expected {expected[i]}");

        var dense = (Dense)Load("Dense", $$"""{"name": "dense", "units": 5, "use_bias": false, "activation": {{activation}}}""");
        dense.Build(new Shape(5));
        var identity = new float[25];
        for (int i = 0; i < 5; i++) identity[i * 6] = 1f;
        dense.SetWeights([Tensor.FromArray(identity, 5, 5)]);
        Assert.Equal(y, Apply(dense, s_x));

        // The config round trip keeps the object (Keras 3's layer form), and the copy computes the same.
        var config = layer.GetConfig();
        var again = LayerRegistry.Create("Activation", config);
        Assert.Equal(config.ToJsonString(), again.GetConfig().ToJsonString());
        Assert.Equal(y, Apply(again, s_x));
    }

    [Theory]
    [InlineData("""{"class_name": "LeakyReLU", "config": {"negative_slope": 0.1}}""")]
    [InlineData("""{"class_name": "ReLU", "config": {"max_value": 2.5, "negative_slope": 0.1, "threshold": 0.5}}""")]
    [InlineData("""{"class_name": "ELU", "config": {"alpha": 0.5}}""")]
    public void GradientsMatchFiniteDifferences(string activation)
    {
        var act = ((ActivationLayer)Load("Activation", $$"""{"activation": {{activation}}}""")).Activation;
        // Away from the kinks at 0, 0.5 and 2.5.
        var x = Tensor.FromArray(new[] { -1.7f, -0.9f, -0.3f, 0.2f, 0.8f, 1.6f, 2.9f, 3.4f }, 2, 4);
        GradCheck.Check(t => act.Apply(t[0]), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void EveryLayerThatReadsAnActivationTakesTheObjects()
    {
        const string relu = """{"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"}""";
        const string sigmoid = """{"module": "builtins", "class_name": "function", "config": "sigmoid", "registered_name": "function"}""";
        const string tanh = """{"module": "keras.activations", "class_name": "function", "config": "tanh", "registered_name": "function"}""";
        var conv = (Conv2D)Load("Conv2D", $$"""{"name": "conv2d", "filters": 2, "kernel_size": [3, 3], "activation": {{relu}}}""");
        Assert.Same(Activation.Relu, conv.Activation);
        var conv1 = (Conv1D)Load("Conv1D", $$"""{"name": "conv1d", "filters": 2, "kernel_size": 3, "activation": {{sigmoid}}}""");
        Assert.Same(Activation.Sigmoid, conv1.Activation);
        var lstm = (Lstm)Load("LSTM", $$"""{"name": "lstm", "units": 3, "activation": {{relu}}, "recurrent_activation": {{tanh}}}""");
        Assert.Same(Activation.Relu, lstm.Activation);
        Assert.Same(Activation.Tanh, lstm.RecurrentActivation);
        var gru = (Gru)Load("GRU", $$"""{"name": "gru", "units": 3, "recurrent_activation": {{sigmoid}}}""");
        Assert.Same(Activation.Sigmoid, gru.RecurrentActivation);
        var simple = (SimpleRnn)Load("SimpleRNN", $$"""{"name": "simple_rnn", "units": 3, "activation": {{relu}}}""");
        Assert.Same(Activation.Relu, simple.Activation);
        var rnn = (Rnn)Load("RNN", """{"name": "rnn", "cell": {"module": "keras.layers", "class_name": "LSTMCell", "registered_name": null, "config": """ +
            $$"""{"name": "lstm_cell", "units": 3, "activation": {{tanh}}, "recurrent_activation": {{sigmoid}}}""" + "}}");
        Assert.Same(Activation.Sigmoid, ((LstmCell)rnn.Cell).RecurrentActivation);
        var convLstm = (ConvLstm2D)Load("ConvLSTM2D", $$"""{"name": "conv_lstm2d", "filters": 2, "kernel_size": [3, 3], "activation": {{relu}}, "recurrent_activation": {{sigmoid}}}""");
        Assert.Same(Activation.Relu, convLstm.Activation);
        // Written back as names.
        Assert.Equal("relu", lstm.GetConfig()["activation"]!.GetValue<string>());
        Assert.Equal("sigmoid", convLstm.GetConfig()["recurrent_activation"]!.GetValue<string>());
    }

    [Fact]
    public void AKeras3SequentialJsonWithActivationObjectsLoadsAndSavesBitForBit()
    {
        // A Keras 3 model config as model.to_json() writes it, with a function object and a LeakyReLU layer object.
        const string json = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true, "dtype": "float32",
             "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 3,
                "activation": {"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"},
                "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
                "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
                "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "dtype": "float32", "units": 2,
                "activation": {"module": "keras.layers", "class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "trainable": true, "dtype": "float32", "negative_slope": 0.1}, "registered_name": null},
                "use_bias": true}, "registered_name": null}
             ], "build_input_shape": [null, 4]}, "registered_name": null}
            """;
        RandomGenerator.SetGlobalSeed(4);
        var model = Model.FromJson(json);
        var x = Tensor.RandomUniform(new Shape(3, 4), -2f, 2f, new RandomGenerator(5));
        var expected = model.Predict(x).ToArray();
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), loaded.Predict(x).ToArray().Select(BitConverter.SingleToInt32Bits));
        var dense = model.Layers.OfType<Dense>().ToArray();
        var second = dense[1];
        Assert.Equal("LeakyReLU", loaded.Layers.OfType<Dense>().Last().GetConfig()["activation"]!["class_name"]!.GetValue<string>());
        // The last layer by hand: leaky(h·W + b) with slope 0.1.
        var hidden = dense[0].Call(x);
        var z = Ops.Add(Ops.MatMul(hidden, second.Parameters[0].Value), second.Parameters[1].Value).ToArray();
        for (int i = 0; i < z.Length; i++) Assert.Equal(z[i] > 0 ? z[i] : 0.1f * z[i], expected[i], 6);
    }

    [Fact]
    public void ParameterizedActivationsExportToOnnx()
    {
        RandomGenerator.SetGlobalSeed(6);
        var model = new Sequential(
            (Layer)Load("Dense", """{"name": "dense", "units": 4, "input_shape": [3], "activation": {"class_name": "LeakyReLU", "config": {"negative_slope": 0.1}}}"""),
            Load("Dense", """{"name": "dense_1", "units": 4, "activation": {"class_name": "ELU", "config": {"alpha": 0.5}}}"""),
            Load("Activation", """{"name": "act", "activation": {"class_name": "ReLU", "config": {"max_value": 0.4}}}"""));
        var x = Tensor.RandomUniform(new Shape(5, 3), -2f, 2f, new RandomGenerator(7));
        OnnxRunner.AssertMatches(model, [x], "LeakyReLU, ELU and ReLU(max_value) activation objects");
    }

    [Fact]
    public void CustomFunctionsRegisteredInAPackageResolveByTheirName()
    {
        var scaled = Activation.Custom("scaled_tanh", t => Ops.Affine(Ops.Tanh(t), 2f));
        using var scope = new CustomObjects().AddActivation(scaled).Scope();
        // Keras 3 writes a registered function as "package>name"; Keras 2 as the same string.
        var a = (Dense)Load("Dense", """{"units": 2, "activation": {"module": "my_module", "class_name": "function", "config": "my_package>scaled_tanh", "registered_name": "my_package>scaled_tanh"}}""");
        var b = (Dense)Load("Dense", """{"units": 2, "activation": "my_package>scaled_tanh"}""");
        Assert.Same(scaled, a.Activation);
        Assert.Same(scaled, b.Activation);
    }

    [Theory]
    [InlineData("""{"class_name": "ThresholdedReLU", "config": {"theta": 1.0}}""", "ThresholdedReLU")]
    [InlineData("""{"class_name": "PReLU", "config": {}}""", "PReLU")]
    [InlineData("""{"class_name": "Softmax", "config": {"axis": 1}}""", "axis")]
    [InlineData("""{"module": "keras.activations", "class_name": "function", "config": {"x": 1}, "registered_name": null}""", "function object")]
    [InlineData("""{"module": "keras.activations", "class_name": "function", "config": "swoosh", "registered_name": "function"}""", "swoosh")]
    [InlineData("""{"config": "relu"}""", "class_name")]
    [InlineData("""[1, 2]""", "activation name or a Keras activation object")]
    [InlineData("""{"class_name": "LeakyReLU", "config": {"negative_slope": -1}}""", "negative_slope")]
    [InlineData("""{"class_name": "ELU", "config": {"alpha": "big"}}""", "alpha")]
    public void BadObjectsNameTheLayerAndTheKey(string activation, string detail)
    {
        var e = Assert.Throws<DeepSharpException>(() => Load("Dense", $$"""{"name": "out", "units": 2, "activation": {{activation}}}"""));
        Assert.Contains("'out' (Dense)", e.Message);
        Assert.Contains("'activation'", e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void ActivationObjectsNestOnlySoDeep()
    {
        string inner = "\"relu\"";
        for (int i = 0; i < 6; i++) inner = """{"class_name": "Activation", "config": {"activation": """ + inner + "}}";
        var e = Assert.Throws<DeepSharpException>(() => Load("Activation", $$"""{"name": "deep", "activation": {{inner}}}"""));
        Assert.Contains("'deep' (Activation)", e.Message);
        Assert.Contains("nests", e.Message);
    }

    [Fact]
    public void RecurrentLayersRefuseActivationsTheirCellsCannotRunNamingTheKey()
    {
        var e = Assert.ThrowsAny<Exception>(() => Load("LSTM", """{"name": "lstm", "units": 3, "recurrent_activation": {"class_name": "LeakyReLU", "config": {"negative_slope": 0.1}}}"""));
        Assert.Contains("recurrent_activation", e.Message);
        Assert.Contains("LeakyReLU(negative_slope=0.1)", e.Message);
    }
}
