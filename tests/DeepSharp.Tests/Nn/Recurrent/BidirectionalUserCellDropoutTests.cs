using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// A cell of your own whose dropout is a tracked Dropout sublayer behaves under Bidirectional as the built-in
/// cells do: both directions draw from one generator, the wrapper's, which checkpoints save, so that a run
/// resumed from a checkpoint is bitwise the run that never stopped.
/// </summary>
public sealed class BidirectionalUserCellDropoutTests
{
    /// <summary>h' = tanh(dropout(x)·W + h·U), its dropout a Dropout sublayer.</summary>
    private sealed class DroppingCell : RnnCell
    {
        private readonly Dropout _dropout;
        private Parameter? _kernel, _recurrentKernel;

        public DroppingCell(int units, float rate, string? name = null) : base(name)
        {
            Units = units;
            Rate = rate;
            _dropout = Track(new Dropout(rate, name: "input_dropout"));
        }

        public int Units { get; }
        public float Rate { get; }
        public Dropout InputDropout => _dropout;
        public override string TypeName => "DroppingCell";
        public override IReadOnlyList<int> StateSize => [Units];

        protected override void OnBuild(Shape inputShape)
        {
            _kernel = AddWeight("kernel", new Shape(inputShape[-1], Units), Initializer.GlorotUniform);
            _recurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, Units), Initializer.Orthogonal);
        }

        protected override CellStep Forward(Tensor inputs, IReadOnlyList<Tensor> states, bool training)
        {
            var dropped = _dropout.Call(inputs, training);
            var h = Ops.Tanh(Ops.Add(Ops.MatMul(dropped, _kernel!.Value), Ops.MatMul(states[0], _recurrentKernel!.Value)));
            return new CellStep(h, [h]);
        }

        public override JsonObject GetConfig()
        {
            var config = base.GetConfig();
            config["units"] = Units;
            config["rate"] = Rate;
            return config;
        }

        public static DroppingCell FromConfig(JsonObject c) =>
            new(c["units"]!.GetValue<int>(), c["rate"]!.GetValue<float>(), c["name"]?.GetValue<string>());
    }

    private static CustomObjects Cells() => new CustomObjects().AddLayer("DroppingCell", DroppingCell.FromConfig);

    [Fact]
    public void BothDirectionsDrawFromTheWrappersGenerator()
    {
        using var scope = Cells().Scope();
        RandomGenerator.SetGlobalSeed(3);
        var bi = new Bidirectional(new Rnn(new DroppingCell(3, 0.4f)));
        bi.Build(new Shape(4, 2));
        var forward = ((DroppingCell)((Rnn)bi.ForwardLayer).Cell).InputDropout;
        var backward = ((DroppingCell)((Rnn)bi.BackwardLayer).Cell).InputDropout;
        Assert.NotNull(bi.TrainingGenerator);
        Assert.Same(bi.TrainingGenerator, forward.Generator);
        Assert.Same(bi.TrainingGenerator, backward.Generator);
    }

    private const int Samples = 48, BatchSize = 8, Epochs = 2; // 6 steps per epoch

    private sealed class CrashException : Exception;

    private sealed class Crash(int afterSteps) : Callback
    {
        private int _steps;
        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            if (++_steps == afterSteps) throw new CrashException();
        }
    }

    private static (Sequential Model, Tensor X, Tensor Y) Setup()
    {
        RandomGenerator.SetGlobalSeed(17);
        var x = Tensor.RandomUniform(new Shape(Samples, 5, 2), -1f, 1f, new RandomGenerator(1));
        var y = Tensor.RandomUniform(new Shape(Samples, 1), -1f, 1f, new RandomGenerator(2));
        var model = new Sequential(
            new Bidirectional(new Rnn(new DroppingCell(3, 0.4f)), inputShape: [5, 2]),
            new Dense(1));
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        return (model, x, y);
    }

    private static float[][] Train(string folder, int? crashAfter)
    {
        using var scope = Cells().Scope();
        var (model, x, y) = Setup();
        if (crashAfter is { } n)
        {
            Assert.Throws<CrashException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(folder, 2), new Crash(n)]));
            (model, x, y) = Setup(); // the crashed model is abandoned
        }
        var backup = new BackupAndRestore(folder, 2);
        model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [backup]);
        Assert.Equal(crashAfter is not null, backup.Restored is not null);
        return [.. model.Parameters.Select(p => p.Value.ToArray())];
    }

    [Fact]
    public void ResumeFromACheckpointIsBitwiseTheRunThatNeverStopped()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var straight = Train(a.Path, null);
        var resumed = Train(b.Path, crashAfter: 9); // the latest checkpoint after step 8, mid-epoch 1
        Assert.Equal(straight.Length, resumed.Length);
        for (int i = 0; i < straight.Length; i++)
            Assert.Equal(straight[i].Select(BitConverter.SingleToInt32Bits), resumed[i].Select(BitConverter.SingleToInt32Bits));
    }
}
