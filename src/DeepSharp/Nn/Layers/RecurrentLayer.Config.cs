using System.Text.Json.Nodes;

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
        config["kernel_initializer"] = KernelInitializer.Name;
        config["recurrent_initializer"] = RecurrentInitializer.Name;
        config["bias_initializer"] = BiasInitializer.Name;
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
        bool ZeroOutputForMask, long? Seed, string? Name, int[]? InputShape);

    /// <summary>Reads the shared keys with Keras's defaults; stateful layers are refused.</summary>
    private protected static Settings ReadSettings(JsonObject c, string type)
    {
        if ((bool?)c["stateful"] == true)
            throw new DeepSharpException($"{type} with stateful=True is not supported: DeepSharp's recurrent layers start every batch from their initial state.");
        return new Settings(
            Naming.Required<int>(c, "units", type),
            Activation.FromName((string?)c["activation"] ?? "tanh"),
            Activation.FromName((string?)c["recurrent_activation"] ?? "sigmoid"),
            (bool?)c["use_bias"] ?? true,
            Initializer.FromName((string?)c["kernel_initializer"] ?? "glorot_uniform"),
            Initializer.FromName((string?)c["recurrent_initializer"] ?? "orthogonal"),
            Initializer.FromName((string?)c["bias_initializer"] ?? "zeros"),
            (float?)c["dropout"] ?? 0f,
            (float?)c["recurrent_dropout"] ?? 0f,
            (bool?)c["return_sequences"] ?? false,
            (bool?)c["return_state"] ?? false,
            (bool?)c["go_backwards"] ?? false,
            (bool?)c["zero_output_for_mask"] ?? false,
            (long?)c["seed"],
            (string?)c["name"],
            Naming.ReadShape(c, "input_shape"));
    }
}
