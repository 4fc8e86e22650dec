using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

// Shapes: B batch, T time, S… the input's spatial sizes, C channels, O… the output's spatial sizes, F filters.
public abstract partial class ConvLstm
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Forward(x, null, training);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        if (ReturnState) throw RecurrentCalls.ReturnStateError(this, "has");
        return RunOutput(x, mask, null, training);
    }

    /// <summary>
    /// Runs the layer and returns the output followed by the final states h and c, each (batch, out…, filters).
    /// <paramref name="initialState"/>: h and c, each (batch, out…, filters), zeros when null (Keras's
    /// initial_state). <paramref name="mask"/>: (batch, time), or null.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The input, mask or a state has the wrong shape.</exception>
    public IReadOnlyList<Tensor> CallWithState(Tensor x, Tensor? mask = null, IReadOnlyList<Tensor>? initialState = null, bool training = false)
    {
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs a batch of inputs, got a scalar.");
        Build(x.Shape.WithoutBatch());
        return RunWithStates(x, mask, initialState, training);
    }

    /// <summary>The output alone, from <paramref name="initialState"/> (null: zeros).</summary>
    internal Tensor RunOutput(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training) =>
        WithActivityPenalty(Run(x, mask, initialState, training).Output);

    /// <summary>The output, then the final states h and c.</summary>
    internal IReadOnlyList<Tensor> RunWithStates(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
    {
        var (output, h, c) = Run(x, mask, initialState, training);
        Tensor[] outputs = [output, h, c];
        WithActivityPenalty(outputs); // Keras's __call__ penalises every tensor a call returns: the states too
        return outputs;
    }

    /// <summary>Checks the call and runs every step: the output (B, T, O…, F) or (B, O…, F), and the final h and c (B, O…, F).</summary>
    private (Tensor Output, Tensor H, Tensor C) Run(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
    {
        int channels = _kernel!.Shape[Rank];
        if (x.Rank != Rank + 3 || x.Shape[-1] != channels || x.Shape[1] == 0 || x.DType != DType.Float32)
            throw ShapeError($"float (batch, time ≥ 1, {SpatialNames}, {channels})", x.Rank == 0 ? x.Shape : x.Shape.WithoutBatch());
        int batch = x.Shape[0], time = x.Shape[1];
        var state = StateShape(x.Shape.WithoutBatch()).WithBatch(batch); // (B, O…, F)
        if (mask is not null && (mask.Rank != 2 || mask.Shape[0] != batch || mask.Shape[1] != time || mask.DType != DType.Float32))
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) needs a float mask (batch, time) = ({batch}, {time}) for inputs {x.Shape}; got {mask.Shape} {mask.DType}.");
        CheckInitialState(initialState, state);

        var dims = x.Shape.ToArray();
        var step = new Shape([batch, .. dims.AsSpan(2)]); // (B, S…, C)
        var z = InputProjection(x, step, training); // (B·T, O…, 4F)
        var zs = Ops.Reshape(z, new Shape([batch, time, .. z.Shape.Dims[1..]])); // (B, T, O…, 4F)
        var recurrentMasks = training && RecurrentDropout > 0f ? DropoutMasks(state, RecurrentDropout) : null;

        var h = initialState?[0] ?? Tensor.Zeros(state);
        var c = initialState?[1] ?? Tensor.Zeros(state);
        Tensor? output = mask is null ? null : Tensor.Zeros(state); // the previous output, for masked steps
        var sequence = ReturnSequences ? new Tensor[time] : null;
        var gateShape = new Shape([batch, .. state.Dims[1..^1], 4 * Filters]);
        for (int s = 0; s < time; s++)
        {
            int t = GoBackwards ? time - 1 - s : s;
            var zt = Ops.Add(Ops.Reshape(Ops.Slice(zs, 1, t, 1), gateShape), RecurrentProjection(h, recurrentMasks));
            var gates = Ops.Split(zt, 4, axis: -1); // i, f, c, o
            var i = RecurrentActivation.Apply(gates[0]);
            var f = RecurrentActivation.Apply(gates[1]);
            var cNew = Ops.Add(Ops.Multiply(f, c), Ops.Multiply(i, Activation.Apply(gates[2])));
            var hNew = Ops.Multiply(RecurrentActivation.Apply(gates[3]), Activation.Apply(cNew));
            if (mask is null)
            {
                (h, c, output) = (hNew, cNew, hNew);
            }
            else
            {
                var keep = StepMask(mask, t, state.Rank);
                h = Ops.Where(keep, hNew, h);
                c = Ops.Where(keep, cNew, c);
                output = ZeroOutputForMask ? Ops.Where(keep, hNew, 0f) : Ops.Where(keep, hNew, output!);
            }
            if (sequence is not null) sequence[s] = output;
        }
        return (sequence is not null ? Ops.Stack(sequence, axis: 1) : output!, h, c);
    }

    /// <summary>The input convolution of every step at once: (B, T, S…, C) as B·T images → (B·T, O…, 4F); with dropout, one convolution per gate.</summary>
    private Tensor InputProjection(Tensor x, Shape step, bool training)
    {
        var images = new Shape([step[0] * x.Shape[1], .. step.Dims[1..]]); // (B·T, S…, C)
        if (!training || Dropout <= 0f) return Convolve(Ops.Reshape(x, images), _kernel!.Value, _bias?.Value, recurrent: false);
        // Keras 3: four masks shaped as one step's input, one per gate, each reused at every step.
        var masks = DropoutMasks(step, Dropout);
        var perGate = new Tensor[4];
        var timeAxis = new Shape([step[0], 1, .. step.Dims[1..]]);
        for (int g = 0; g < 4; g++)
        {
            var dropped = Ops.Multiply(x, Ops.Reshape(masks[g], timeAxis));
            perGate[g] = Convolve(Ops.Reshape(dropped, images), GateSlice(_kernel!.Value, g), _bias is null ? null : GateSlice(_bias.Value, g), recurrent: false);
        }
        return Ops.Concatenate(perGate, axis: -1);
    }

    /// <summary>The recurrent convolution of h (stride 1, 'same'): (B, O…, 4F); with recurrent dropout, one convolution per gate.</summary>
    private Tensor RecurrentProjection(Tensor h, Tensor[]? masks)
    {
        if (masks is null) return Convolve(h, _recurrentKernel!.Value, null, recurrent: true);
        var perGate = new Tensor[4];
        for (int g = 0; g < 4; g++) perGate[g] = Convolve(Ops.Multiply(h, masks[g]), GateSlice(_recurrentKernel!.Value, g), null, recurrent: true);
        return Ops.Concatenate(perGate, axis: -1);
    }

    /// <summary>Gate <paramref name="gate"/>'s block (i, f, c, o) of a kernel's or bias's last axis.</summary>
    private Tensor GateSlice(Tensor weight, int gate) => Ops.Slice(weight, -1, gate * Filters, Filters);

    /// <summary>
    /// The convolution of one spatial rank over a batch of images (N, S…, C): the input convolution with the
    /// layer's strides, padding and dilation, or the recurrent one (stride 1, 'same', no dilation), as Keras.
    /// </summary>
    private Tensor Convolve(Tensor x, Tensor kernel, Tensor? bias, bool recurrent)
    {
        bool same = recurrent || Padding == Padding.Same;
        int[] strides = recurrent ? [1, 1, 1] : _strides, dilation = recurrent ? [1, 1, 1] : _dilationRate;
        switch (Rank)
        {
            case 1:
                var image = Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], x.Shape[2]);
                var wide = Ops.Reshape(kernel, 1, kernel.Shape[0], kernel.Shape[1], kernel.Shape[2]);
                var y = Ops.Conv2D(image, wide, bias, (1, strides[0]), same, (1, dilation[0]));
                return Ops.Reshape(y, y.Shape[0], y.Shape[2], y.Shape[3]);
            case 2:
                return Ops.Conv2D(x, kernel, bias, (strides[0], strides[1]), same, (dilation[0], dilation[1]));
            default:
                return Ops.Conv3D(x, kernel, bias, (strides[0], strides[1], strides[2]), same, (dilation[0], dilation[1], dilation[2]));
        }
    }

    /// <summary>Four inverted-dropout masks of <paramref name="shape"/>: 0 with probability <paramref name="rate"/>, else 1/(1 − rate).</summary>
    private Tensor[] DropoutMasks(Shape shape, float rate)
    {
        var masks = new Tensor[4];
        float keep = 1f / (1f - rate);
        var generator = Generator;
        for (int g = 0; g < 4; g++)
        {
            masks[g] = Tensor.Temp(shape);
            var m = masks[g].Span;
            for (int i = 0; i < m.Length; i++) m[i] = generator.NextFloat() >= rate ? keep : 0f;
        }
        return masks;
    }

    /// <summary>Step <paramref name="t"/> of a (B, T) mask as (B, 1, …, 1) of <paramref name="rank"/> axes, to broadcast over a state.</summary>
    private static Tensor StepMask(Tensor mask, int t, int rank)
    {
        int batch = mask.Shape[0], time = mask.Shape[1];
        var dims = new int[rank];
        Array.Fill(dims, 1);
        dims[0] = batch;
        var keep = Tensor.Temp(new Shape(dims));
        var m = mask.Span;
        var k = keep.Span;
        for (int b = 0; b < batch; b++) k[b] = m[b * time + t] != 0f ? 1f : 0f;
        return keep;
    }

    private void CheckInitialState(IReadOnlyList<Tensor>? initialState, Shape state)
    {
        if (initialState is null) return;
        if (initialState.Count != 2)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes 2 initial state tensors (h, c); got {initialState.Count}.", nameof(initialState));
        foreach (var s in initialState)
            if (s.Shape != state || s.DType != DType.Float32)
                throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) needs initial states (batch, out…, filters) = {state}; got {s.Shape} {s.DType}.");
    }
}
