using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization.Onnx.Proto;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

// Shape legend: B batch, T time steps, F input features, U units, G gates (SimpleRNN 1, LSTM 4, GRU 3).

/// <summary>
/// SimpleRNN, LSTM and GRU as ONNX's RNN, LSTM and GRU operators (one node per layer), and
/// Bidirectional as one node per direction followed by its merge.
/// <list type="bullet">
/// <item>Weights. Keras: kernel (F, G·U) and recurrent_kernel (U, G·U) with the gate blocks side by
/// side. ONNX: W (1, G·U, F), R (1, G·U, U) — transposed, gate blocks stacked in ONNX's order — and
/// B (1, 2·G·U), the input biases then the recurrent ones. LSTM gates i, f, c, o become ONNX's
/// i, o, f, c, its one bias goes to Wb (Rb = 0). GRU (reset_after) is ONNX's GRU with
/// linear_before_reset = 1, gates z, r, h in both; bias row 0 is Wb, row 1 Rb. SimpleRNN: bias → Wb.</item>
/// <item>Activations: LSTM [recurrent, activation, activation], GRU [recurrent, activation], RNN
/// [activation]; linear is ONNX's Affine(α 1, β 0).</item>
/// <item>Time. ONNX runs time-major: a Transpose (1, 0, 2) in, and out for sequences. goBackwards is
/// direction "reverse", whose Y is in time order; Keras returns the processing order, so the
/// sequence is flipped (Slice with step −1). A last output is Y_h.</item>
/// <item>Masks (Embedding with maskZero): the count of real steps per sample is ONNX's
/// sequence_lens, which is exact for right-padded sequences (padding only after the real steps).
/// Where Keras repeats the last output over padded steps ONNX writes zeros, so those steps take
/// Y_h. A sample whose padding is not all at the end gets NaN outputs rather than different
/// numbers; a sample with no real step gets zeros, as in DeepSharp.</item>
/// </list>
/// </summary>
internal static class OnnxRecurrentRules
{
    /// <summary>ONNX's LSTM gate order i, o, f, c as Keras block indices (Keras: i 0, f 1, c 2, o 3).</summary>
    private static readonly int[] s_lstmGates = [0, 3, 1, 2];
    private static readonly int[] s_gruGates = [0, 1, 2];
    private static readonly int[] s_rnnGates = [0];

    public static string Recurrent(OnnxGraphBuilder g, RecurrentLayer layer, string x, Shape inputShape, string? mask)
    {
        string timeMajor = g.Transpose(x, layer.Name + "/time_major", 1, 0, 2);
        var lengths = mask is null ? null : SequenceLengths.Emit(g, mask, inputShape[0], layer.Name);
        return Direction(g, layer, timeMajor, lengths, flip: false, layer.Name);
    }

    public static string Bidirectional(OnnxGraphBuilder g, Bidirectional layer, string x, Shape inputShape, string? mask)
    {
        if (layer.MergeMode == MergeMode.None)
            throw new DeepSharpException($"ONNX export: layer '{layer.Name}' (Bidirectional) has merge mode None (two outputs); the exporter writes layers with one output.");
        string timeMajor = g.Transpose(x, layer.Name + "/time_major", 1, 0, 2);
        var lengths = mask is null ? null : SequenceLengths.Emit(g, mask, inputShape[0], layer.Name);
        var (forwardLayer, backwardLayer) = (Exportable(layer, layer.ForwardLayer), Exportable(layer, layer.BackwardLayer));
        string forward = Direction(g, forwardLayer, timeMajor, lengths, flip: false, $"{layer.Name}/{forwardLayer.Name}");
        // Bidirectional flips the backward layer's sequence (in its processing order) back.
        string backward = Direction(g, backwardLayer, timeMajor, lengths, flip: layer.ReturnSequences, $"{layer.Name}/{backwardLayer.Name}");
        return layer.MergeMode switch
        {
            MergeMode.Concat => g.AddNode("Concat", layer.Name, [forward, backward], Int("axis", -1)),
            MergeMode.Sum => g.AddNode("Add", layer.Name, [forward, backward]),
            MergeMode.Mul => g.AddNode("Mul", layer.Name, [forward, backward]),
            _ => g.AddNode("Mul", layer.Name, [g.AddNode("Add", layer.Name + "/sum", [forward, backward]), g.AddInitializer(layer.Name + "/half", [0.5f])]),
        };
    }

    /// <summary>
    /// A direction of <paramref name="owner"/> as the SimpleRNN, LSTM or GRU node it is written as: the layer
    /// itself, or the layer an RNN over one built-in cell equals. Other cells and ConvLSTM are refused by name.
    /// </summary>
    private static RecurrentLayer Exportable(Bidirectional owner, Layer direction)
    {
        try
        {
            return direction switch
            {
                RecurrentLayer recurrent => recurrent,
                Rnn rnn => rnn.AsRecurrentLayer("ONNX export"),
                ConvLstm convLstm => throw OnnxConvLstmRules.Refused(convLstm),
                _ => throw new DeepSharpException($"layer '{direction.Name}' ({direction.TypeName}) has no ONNX form."),
            };
        }
        catch (DeepSharpException e)
        {
            throw new DeepSharpException($"ONNX export: layer '{owner.Name}' (Bidirectional) cannot be exported because its direction does not export: {e.Message}", e);
        }
    }

    /// <summary>
    /// One recurrent layer over time-major inputs (T, B, F): its output (B, U), or (B, T, U) in its
    /// processing order — flipped once more with <paramref name="flip"/>.
    /// </summary>
    private static string Direction(OnnxGraphBuilder g, RecurrentLayer layer, string timeMajor, SequenceLengths? lengths, bool flip, string name)
    {
        var (op, gates) = layer switch
        {
            Lstm => ("LSTM", s_lstmGates),
            Gru => ("GRU", s_gruGates),
            _ => ("RNN", s_rnnGates),
        };
        var (w, r, b) = Weights(g, layer, gates, name);
        var attributes = new List<AttributeProto>
        {
            Int("hidden_size", layer.Units),
            Str("direction", layer.GoBackwards ? "reverse" : "forward"),
        };
        attributes.AddRange(Activations(layer, name));
        if (layer is Gru) attributes.Add(Int("linear_before_reset", 1));
        var outputs = g.AddNode(op, name, [timeMajor, w, r, b, lengths?.Lengths ?? ""], 2, [.. attributes]);
        string last = g.Squeeze(outputs[1], name + "/last", 0); // Y_h (1, B, U) → (B, U)

        if (!layer.ReturnSequences)
        {
            if (lengths is null) return last;
            // Keras's last output is the state after the last processed step, unless that step is padding and
            // zero_output_for_mask is set; going backwards the last processed step is step 0, real when any is.
            if (layer.ZeroOutputForMask && !layer.GoBackwards)
                last = g.AddNode("Where", name + "/zero_if_padded", [lengths.LastStepReal, last, g.AddInitializer(name + "/zero", [0f])]);
            return g.AddNode("Mul", name + "/guarded", [last, lengths.Guard]);
        }

        string sequence = g.Transpose(g.Squeeze(outputs[0], name + "/one_direction", 1), name + "/batch_major", 1, 0, 2); // (B, T, U)
        if (lengths is not null)
        {
            // Going forwards Keras repeats the last real output over the padding (ONNX writes zeros there);
            // going backwards the padding comes first, before any output: zeros in both.
            if (!layer.GoBackwards && !layer.ZeroOutputForMask)
                sequence = g.AddNode("Where", name + "/carry_last", [lengths.StepsReal, sequence, g.Unsqueeze(last, name + "/last_step", 1)]);
            sequence = g.AddNode("Mul", name + "/guarded", [sequence, g.Unsqueeze(lengths.Guard, name + "/guard_steps", 2)]);
        }
        if (layer.GoBackwards != flip)
            sequence = g.AddNode("Slice", name + "/flip", [sequence, g.AddInt64Initializer(name + "/flip_start", -1),
                g.AddInt64Initializer(name + "/flip_end", long.MinValue), g.AddInt64Initializer(name + "/flip_axis", 1), g.AddInt64Initializer(name + "/flip_step", -1)]);
        return sequence;
    }

    /// <summary>W, R and B in ONNX's layout (see the class comment); B is zeros without a bias.</summary>
    private static (string W, string R, string B) Weights(OnnxGraphBuilder g, RecurrentLayer layer, int[] gates, string name)
    {
        var kernel = layer.Parameters[0];          // (F, G·U)
        var recurrent = layer.Parameters[1];       // (U, G·U)
        int units = layer.Units, width = gates.Length * units, features = kernel.Shape[0];
        string w = g.AddInitializer(kernel.Path, GateRows(kernel.Value.Span, features, units, gates), 1, width, features);
        string r = g.AddInitializer(recurrent.Path, GateRows(recurrent.Value.Span, units, units, gates), 1, width, units);
        var bias = new float[2 * width];
        if (layer.UseBias)
        {
            var values = layer.Parameters[2].Value.Span; // (G·U), or GRU's (2, G·U): input biases, recurrent biases
            for (int row = 0; row < values.Length / width; row++)
                for (int gate = 0; gate < gates.Length; gate++)
                    values.Slice(row * width + gates[gate] * units, units).CopyTo(bias.AsSpan(row * width + gate * units, units));
        }
        string b = g.AddInitializer(layer.UseBias ? layer.Parameters[2].Path : name + "/zero_bias", bias, 1, 2 * width);
        return (w, r, b);
    }

    /// <summary>A Keras (rows, G·U) matrix as ONNX's (G·U, rows), gate blocks in <paramref name="gates"/>'s order.</summary>
    private static float[] GateRows(ReadOnlySpan<float> src, int rows, int units, int[] gates)
    {
        int width = gates.Length * units;
        var dst = new float[width * rows];
        for (int gate = 0; gate < gates.Length; gate++)
            for (int u = 0; u < units; u++)
                for (int row = 0; row < rows; row++)
                    dst[(gate * units + u) * rows + row] = src[row * width + gates[gate] * units + u];
        return dst;
    }

    private static IEnumerable<AttributeProto> Activations(RecurrentLayer layer, string name)
    {
        Activation[] functions = layer switch
        {
            Lstm => [layer.RecurrentActivation, layer.Activation, layer.Activation],
            Gru => [layer.RecurrentActivation, layer.Activation],
            _ => [layer.Activation],
        };
        var names = functions.Select(f => f.Name switch
        {
            "tanh" => "Tanh",
            "sigmoid" => "Sigmoid",
            "relu" => "Relu",
            "linear" => "Affine",
            _ => throw new DeepSharpException($"ONNX export: layer '{name}' ({layer.TypeName}) uses activation '{f.Name}', which ONNX's recurrent operators do not take."),
        }).ToArray();
        yield return Strs("activations", names);
        int affine = names.Count(n => n == "Affine");
        if (affine == 0) yield break;
        // Affine(x) = α·x + β; the α and β lists hold one value per activation that takes them, in order.
        yield return Floats("activation_alpha", Enumerable.Repeat(1f, affine).ToArray());
        yield return Floats("activation_beta", new float[affine]);
    }

    /// <summary>
    /// What a propagated (B, T) mask means to ONNX's recurrent operators: the clamped real-step counts
    /// (sequence_lens, int32 (B)), the mask as (B, T, 1) and of the last step (B, 1), and a guard
    /// (B, 1) to multiply the outputs by: 1, 0 for a sample with no real step, NaN when the padding
    /// is not all at the end.
    /// </summary>
    private sealed record SequenceLengths(string Lengths, string StepsReal, string LastStepReal, string Guard)
    {
        public static SequenceLengths Emit(OnnxGraphBuilder g, string mask, int steps, string name)
        {
            string counts = g.Cast(mask, name + "/mask_int64", TensorProto.Types.DataType.Int64);
            string lengths = g.AddNode("ReduceSum", name + "/lengths", [counts, g.AddInt64Initializer(name + "/time_axis", 1)], Int("keepdims", 0));
            var positions = new long[steps];
            for (int t = 0; t < steps; t++) positions[t] = t + 1;
            // Right-padded exactly when the last real position (1-based) equals the count of real steps.
            string lastReal = g.AddNode("ReduceMax", name + "/last_real",
                [g.AddNode("Mul", name + "/real_positions", [counts, g.AddInt64Initializer(name + "/positions", positions)])], Ints("axes", 1), Int("keepdims", 0));
            string rightPadded = g.AddNode("Equal", name + "/right_padded", [lastReal, lengths]);
            string nonEmpty = g.Cast(g.AddNode("Greater", name + "/any_real", [lengths, g.AddInt64Initializer(name + "/zero_steps", 0)]),
                name + "/non_empty", TensorProto.Types.DataType.Float);
            string guard = g.AddNode("Where", name + "/guard", [rightPadded, nonEmpty, g.AddInitializer(name + "/nan", [float.NaN])]);
            // ONNX Runtime refuses a length of 0: such a sample runs one step, and the guard zeroes it.
            string sequenceLens = g.Cast(g.AddNode("Max", name + "/at_least_one", [lengths, g.AddInt64Initializer(name + "/one_step", 1)]),
                name + "/sequence_lens", TensorProto.Types.DataType.Int32);
            string lastStep = g.AddNode("Slice", name + "/last_step_real",
                [mask, g.AddInt64Initializer(name + "/last_start", steps - 1), g.AddInt64Initializer(name + "/last_end", steps), g.AddInt64Initializer(name + "/last_axis", 1)]);
            return new SequenceLengths(sequenceLens, g.Unsqueeze(mask, name + "/steps_real", 2), lastStep, g.Unsqueeze(guard, name + "/guard_column", 1));
        }
    }
}
