using DeepSharp.Data;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Loading a model file does not compute the orthogonal initializer's QR for weights the file then
/// overwrites (O(m·n²): minutes for a 4096-unit LSTM, so a large recurrent file would have loaded
/// for minutes). The draws are still made, so the random generator advances exactly as before.
/// </summary>
public class OrthogonalLoadTests
{
    private static readonly Shape Kernel = new(24, 96);

    [Fact]
    public void UnderAFileBudgetOnlyTheDrawsAreMade()
    {
        var fresh = new RandomGenerator(5);
        var computed = new float[Kernel.Size];
        Initializer.Orthogonal.Fill(computed, Kernel, fresh);

        var loading = new RandomGenerator(5);
        var skipped = Enumerable.Repeat(7f, Kernel.Size).ToArray();
        using (new WeightBudget(Kernel.Size, overwrittenByFile: true))
            Initializer.Orthogonal.Fill(skipped, Kernel, loading);

        Assert.All(skipped, v => Assert.Equal(0f, v));
        Assert.Contains(computed, v => v != 0f);
        Assert.Equal(fresh.GetState(), loading.GetState());
    }

    [Fact]
    public void AFreshWeightBudgetStillComputesQ()
    {
        var values = new float[Kernel.Size];
        using (new WeightBudget(Kernel.Size))
            Initializer.Orthogonal.Fill(values, Kernel, new RandomGenerator(5));
        // Rows of a wide orthogonal matrix are orthonormal.
        for (int r = 0; r < Kernel[0]; r++)
        {
            double norm = 0;
            for (int c = 0; c < Kernel[1]; c++) norm += values[r * Kernel[1] + c] * (double)values[r * Kernel[1] + c];
            Assert.Equal(1.0, norm, 4);
        }
    }

    [Fact]
    public void LoadedRecurrentModelsHoldTheFilesWeights()
    {
        var model = new Sequential(new Lstm(16, inputShape: [5, 3], returnSequences: true), new Gru(8), new Dense(2));
        var x = Tensor.FromArray(Enumerable.Range(0, 2 * 5 * 3).Select(i => MathF.Sin(i * 0.7f)).ToArray(), 2, 5, 3);
        using var folder = new TempFolder();
        string path = folder.File("recurrent.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        foreach (var (saved, read) in model.Parameters.Zip(loaded.Parameters))
            Assert.Equal(saved.Value.ToArray(), read.Value.ToArray());
    }
}
