using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

public abstract partial class RecurrentLayer
{
    /// <summary>Whether the config carries recurrent_activation (SimpleRNN has no gates).</summary>
    private protected virtual bool HasGates => true;

    /// <summary>Keras's config keys for this layer (stateful and unroll are always false here).</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.Name;
        if (HasGates) config["recurrent_activation"] = RecurrentActivation.Name;
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["recurrent_initializer"] = RecurrentInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "recurrent_regularizer", RecurrentRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "recurrent_constraint", RecurrentConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        AddCellConfig(config);
        config["dropout"] = Dropout;
        config["recurrent_dropout"] = RecurrentDropout;
        if (Seed is { } s) config["seed"] = s;
        config["return_sequences"] = ReturnSequences;
        config["return_state"] = ReturnState;
        config["go_backwards"] = GoBackwards;
        config["stateful"] = false;
        config["unroll"] = false;
        config["zero_output_for_mask"] = ZeroOutputForMask;
        return config;
    }

    /// <summary>Adds the cell's own keys (unit_forget_bias, reset_after).</summary>
    private protected virtual void AddCellConfig(JsonObject config) { }

    /// <summary>The settings every recurrent layer's config holds.</summary>
    private protected readonly record struct Settings(
        int Units, Activation Activation, Activation? RecurrentActivation, bool UseBias,
        Initializer KernelInitializer, Initializer RecurrentInitializer, Initializer BiasInitializer,
        float Dropout, float RecurrentDropout, bool ReturnSequences, bool ReturnState, bool GoBackwards,
        bool ZeroOutputForMask, long? Seed, string? Name, int[]? InputShape, WeightRules Rules);

    /// <summary>The regularizers and constraints of a recurrent layer's weights and output (Keras's *_regularizer and *_constraint keys).</summary>
    private protected readonly record struct WeightRules(
        Regularizer? KernelRegularizer, Regularizer? RecurrentRegularizer, Regularizer? BiasRegularizer, Regularizer? ActivityRegularizer,
        Constraint? KernelConstraint, Constraint? RecurrentConstraint, Constraint? BiasConstraint);

    /// <summary>Reads the shared keys with Keras's defaults; stateful layers are refused.</summary>
    private protected static Settings ReadSettings(LayerConfig c)
    {
        if (c.IsTrue("stateful"))
            throw c.Error("stateful", "is true, which is not supported: DeepSharp's recurrent layers start every batch from their initial state");
        return new Settings(
            c.RequiredSize("units"),
            c.Activation("activation", "tanh"),
            c.Activation("recurrent_activation", "sigmoid"),
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", "glorot_uniform"),
            c.Initializer("recurrent_initializer", "orthogonal"),
            c.Initializer("bias_initializer", "zeros"),
            c.Rate("dropout", 0f),
            c.Rate("recurrent_dropout", 0f),
            c.Bool("return_sequences", false),
            c.Bool("return_state", false),
            c.Bool("go_backwards", false),
            c.Bool("zero_output_for_mask", false),
            c.Seed(),
            c.Name,
            c.Shape("input_shape"),
            new WeightRules(c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
                c.Regularizer("activity_regularizer"), c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"),
                c.Constraint("bias_constraint")));
    }
}
