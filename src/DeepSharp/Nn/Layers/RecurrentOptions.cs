using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What Keras's recurrent layers (<see cref="RecurrentLayer"/>), their cells (<see cref="FusedRnnCell"/>)
/// and the ConvLSTM layers (<see cref="ConvLstm"/>) share: the activations, use_bias, the initializer,
/// regularizer and constraint of the kernel, recurrent kernel and bias, and the dropout rates with their
/// seed. Defaults and checks live here once, with the config keys they are read from and written to, the
/// three weights made from them and the dropout masks drawn from the rates.
/// </summary>
internal sealed record RecurrentOptions(
    Activation Activation, Activation RecurrentActivation, bool UseBias,
    Initializer KernelInitializer, Initializer RecurrentInitializer, Initializer BiasInitializer,
    Regularizer? KernelRegularizer, Regularizer? RecurrentRegularizer, Regularizer? BiasRegularizer,
    Constraint? KernelConstraint, Constraint? RecurrentConstraint, Constraint? BiasConstraint,
    float Dropout, float RecurrentDropout, long? Seed)
{
    /// <summary>A layer's <c>AddWeight</c>, which makes the weights in <see cref="AddWeights"/>.</summary>
    public delegate Parameter WeightMaker(string name, Shape shape, Initializer initializer, bool trainable, Regularizer? regularizer, Constraint? constraint);

    /// <summary>
    /// The options with Keras's defaults for nulls (tanh, sigmoid, glorot_uniform, orthogonal, zeros).
    /// <paramref name="typeName"/> ("LSTM") names the layer in errors.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dropout rate is outside [0, 1).</exception>
    public static RecurrentOptions Create(string typeName, Activation? activation, Activation? recurrentActivation, bool useBias,
        Initializer? kernelInitializer, Initializer? recurrentInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? recurrentRegularizer, Regularizer? biasRegularizer,
        Constraint? kernelConstraint, Constraint? recurrentConstraint, Constraint? biasConstraint,
        float dropout, float recurrentDropout, long? seed)
    {
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{typeName} dropout must be in [0, 1).");
        if (!(recurrentDropout >= 0f && recurrentDropout < 1f))
            throw new ArgumentOutOfRangeException(nameof(recurrentDropout), recurrentDropout, $"{typeName} recurrent_dropout must be in [0, 1).");
        return new RecurrentOptions(activation ?? Activation.Tanh, recurrentActivation ?? Activation.Sigmoid, useBias,
            kernelInitializer ?? Initializer.GlorotUniform, recurrentInitializer ?? Initializer.Orthogonal, biasInitializer ?? Initializer.Zeros,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
            dropout, recurrentDropout, seed);
    }

    /// <summary>The options a config holds, with Keras's defaults for missing keys.</summary>
    public static RecurrentOptions Read(LayerConfig c) => Create(c.Type,
        c.Activation("activation", "tanh"),
        c.Activation("recurrent_activation", "sigmoid"),
        c.Bool("use_bias", true),
        c.Initializer("kernel_initializer", "glorot_uniform"),
        c.Initializer("recurrent_initializer", "orthogonal"),
        c.Initializer("bias_initializer", "zeros"),
        c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
        c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"), c.Constraint("bias_constraint"),
        c.Rate("dropout", 0f),
        c.Rate("recurrent_dropout", 0f),
        c.Seed());

    /// <summary>Checks a count of units (or filters) whose gate blocks, 4·count wide for LSTM, must fit an int.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not positive, or too large.</exception>
    public static void CheckUnits(string typeName, int count, string what = "units")
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(what, count, $"{typeName} needs a positive number of {what}.");
        if (4L * count > int.MaxValue) throw new ArgumentOutOfRangeException(what, count, $"{typeName} {what} must be at most {int.MaxValue / 4}.");
    }

    /// <summary>Refuses Keras's stateful=True, which DeepSharp does not support.</summary>
    public static void RefuseStateful(LayerConfig c)
    {
        if (c.IsTrue("stateful"))
            throw c.Error("stateful", "is true, which is not supported: DeepSharp's recurrent layers start every batch from their initial state");
    }

    /// <summary>Whether training draws dropout masks.</summary>
    public bool DrawsMasks => Dropout > 0f || RecurrentDropout > 0f;

    /// <summary>
    /// A recurrent layer's or cell's keys in Keras's order: units, the activations and initializers, the
    /// regularizers and constraints, the cell's own (<paramref name="cellKeys"/>: unit_forget_bias, reset_after), the dropout keys.
    /// </summary>
    public void WriteCell(JsonObject config, int units, bool gates, Action<JsonObject> cellKeys)
    {
        config["units"] = units;
        WriteActivations(config, gates);
        WriteRules(config);
        cellKeys(config);
        WriteDropout(config);
    }

    /// <summary>activation, recurrent_activation (with <paramref name="gates"/>; SimpleRNN has none), use_bias and the three initializers.</summary>
    public void WriteActivations(JsonObject config, bool gates = true)
    {
        config["activation"] = Activation.ToConfig();
        if (gates) config["recurrent_activation"] = RecurrentActivation.ToConfig();
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["recurrent_initializer"] = RecurrentInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
    }

    /// <summary>The regularizers and constraints that are set.</summary>
    public void WriteRules(JsonObject config)
    {
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "recurrent_regularizer", RecurrentRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "recurrent_constraint", RecurrentConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
    }

    /// <summary>dropout, recurrent_dropout, and seed when set.</summary>
    public void WriteDropout(JsonObject config)
    {
        config["dropout"] = Dropout;
        config["recurrent_dropout"] = RecurrentDropout;
        if (Seed is { } s) config["seed"] = s;
    }

    /// <summary>The keys of a layer that runs over sequences, in Keras's order (stateful is always false here).</summary>
    public static void WriteSequence(JsonObject config, bool returnSequences, bool returnState, bool goBackwards, bool unroll, bool zeroOutputForMask)
    {
        config["return_sequences"] = returnSequences;
        config["return_state"] = returnState;
        config["go_backwards"] = goBackwards;
        config["stateful"] = false;
        config["unroll"] = unroll;
        config["zero_output_for_mask"] = zeroOutputForMask;
    }

    /// <summary>
    /// The kernel, the recurrent kernel and (with use_bias) the bias, made by <paramref name="add"/> under
    /// <paramref name="prefix"/> ("lstm_cell/") with their initializers, regularizers and constraints;
    /// <paramref name="biasFill"/> replaces the bias initializer (LSTM's unit forget bias).
    /// </summary>
    public (Parameter Kernel, Parameter Recurrent, Parameter? Bias) AddWeights(WeightMaker add, string prefix, Shape kernel, Shape recurrent,
        Shape bias, Initializer biasFill) =>
        (add(prefix + "kernel", kernel, KernelInitializer, true, KernelRegularizer, KernelConstraint),
         add(prefix + "recurrent_kernel", recurrent, RecurrentInitializer, true, RecurrentRegularizer, RecurrentConstraint),
         UseBias ? add(prefix + "bias", bias, biasFill, true, BiasRegularizer, BiasConstraint) : null);

    /// <summary>
    /// Inverted-dropout values (rows, cols): 0 with probability <paramref name="rate"/>, else 1/(1 − rate);
    /// in a scoped temporary with <paramref name="temp"/>, else in a tensor of its own.
    /// </summary>
    public static Tensor DropoutMask(RandomGenerator generator, int rows, int cols, float rate, bool temp)
    {
        var mask = temp ? Tensor.Temp(new Shape(rows, cols)) : Tensor.Zeros(rows, cols);
        var m = mask.Span;
        float keep = 1f / (1f - rate);
        for (int i = 0; i < m.Length; i++) m[i] = generator.NextFloat() >= rate ? keep : 0f;
        return mask;
    }

    /// <summary>The fused recurrent ops' code of an activation (their derivatives are built in for these four).</summary>
    /// <exception cref="ArgumentException">Another activation.</exception>
    public static CellActivation Fused(string typeName, Activation activation, string role) => activation.Name switch
    {
        "linear" => CellActivation.Linear,
        "tanh" => CellActivation.Tanh,
        "sigmoid" => CellActivation.Sigmoid,
        "relu" => CellActivation.Relu,
        _ => throw new ArgumentException($"{typeName} {role} '{activation.Name}' is not supported by the recurrent cells; use tanh, sigmoid, relu or linear."),
    };
}
