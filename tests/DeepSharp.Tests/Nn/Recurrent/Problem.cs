using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>A random recurrent problem: the op's tensors and arguments beside the reference's copy of them.</summary>
internal sealed class Problem
{
    public required string Cell { get; init; }
    public int Batch { get; init; }
    public int Time { get; init; }
    public int Units { get; init; }
    public required Tensor X { get; init; }
    public required Tensor Kernel { get; init; }
    public required Tensor Recurrent { get; init; }
    public required Tensor Bias { get; init; }
    public required Tensor[] Initial { get; init; }
    public required RecurrentArgs Args { get; init; }
    public required KerasRecurrentReference.Case Reference { get; init; }

    /// <summary>Runs the op on (x, kernel, recurrent kernel, bias, initial states...) with states returned.</summary>
    public Tensor Run(Tensor[] t)
    {
        var args = new RecurrentArgs
        {
            ReturnSequences = Args.ReturnSequences,
            ReturnStates = true,
            GoBackwards = Args.GoBackwards,
            ZeroOutputForMask = Args.ZeroOutputForMask,
            Mask = Args.Mask,
            InputDropoutMask = Args.InputDropoutMask,
            RecurrentDropoutMask = Args.RecurrentDropoutMask,
            InitialStates = t.Length > 4 ? t[4..] : null,
        };
        return Cell switch
        {
            "LSTM" => Ops.Lstm(t[0], t[1], t[2], t[3], args),
            "GRU" => Ops.Gru(t[0], t[1], t[2], t[3], args),
            _ => Ops.SimpleRnn(t[0], t[1], t[2], t[3], args),
        };
    }

    /// <summary>
    /// Mask rows cycle through: all steps, the last two padded, the first two padded, holes, none at all.
    /// Dropout masks hold 0 or 1/(1 − 0.3).
    /// </summary>
    public static Problem Make(string cell, int batch, int time, int features, int units, int seed,
        bool sequences, bool backwards, bool mask, bool zeroOutput, bool dropout, bool initial)
    {
        int gates = cell switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
        int states = cell == "LSTM" ? 2 : 1;
        var x = GradCheck.Random(seed, batch, time, features);
        var kernel = GradCheck.Random(seed + 1, features, gates * units);
        var recurrent = GradCheck.Random(seed + 2, units, gates * units);
        var bias = cell == "GRU" ? GradCheck.Random(seed + 3, 2, gates * units) : GradCheck.Random(seed + 3, gates * units);
        var init = new Tensor[initial ? states : 0];
        for (int k = 0; k < init.Length; k++) init[k] = Tensor.RandomUniform(new Shape(batch, units), -0.5f, 0.5f, new RandomGenerator(seed + 10 + k));
        var maskTensor = mask ? MaskPattern(batch, time) : null;
        var rng = new RandomGenerator(seed + 20);
        Tensor? inputDrop = dropout ? DropMask(batch, features, rng) : null;
        Tensor? recurrentDrop = dropout ? DropMask(batch, units, rng) : null;
        return new Problem
        {
            Cell = cell,
            Batch = batch,
            Time = time,
            Units = units,
            X = x,
            Kernel = kernel,
            Recurrent = recurrent,
            Bias = bias,
            Initial = init,
            Args = new RecurrentArgs
            {
                ReturnSequences = sequences,
                GoBackwards = backwards,
                ZeroOutputForMask = zeroOutput,
                Mask = maskTensor,
                InputDropoutMask = inputDrop,
                RecurrentDropoutMask = recurrentDrop,
            },
            Reference = new KerasRecurrentReference.Case(cell, batch, time, features, units)
            {
                X = x.ToArray(),
                Kernel = kernel.ToArray(),
                Recurrent = recurrent.ToArray(),
                Bias = bias.ToArray(),
                Mask = maskTensor?.ToArray(),
                InputDropout = inputDrop?.ToArray(),
                RecurrentDropout = recurrentDrop?.ToArray(),
                Initial = initial ? init.Select(t => t.ToArray()).ToArray() : null,
                ReturnSequences = sequences,
                GoBackwards = backwards,
                ZeroOutputForMask = zeroOutput,
            },
        };
    }

    public static Tensor MaskPattern(int batch, int time)
    {
        var m = new float[batch * time];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < time; t++)
                m[b * time + t] = (b % 5) switch
                {
                    0 => 1f,
                    1 => t < time - 2 ? 1f : 0f,
                    2 => t >= 2 ? 1f : 0f,
                    3 => t % 2 == 0 ? 1f : 0f,
                    _ => 0f,
                };
        return Tensor.FromArray(m, batch, time);
    }

    private static Tensor DropMask(int rows, int cols, RandomGenerator rng)
    {
        var m = new float[rows * cols];
        for (int i = 0; i < m.Length; i++) m[i] = rng.NextFloat() >= 0.3f ? 1f / 0.7f : 0f;
        return Tensor.FromArray(m, rows, cols);
    }
}
