using DeepSharp.Compression;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using static DeepSharp.Tests.Compression.PruningTestModels;

namespace DeepSharp.Tests.Compression;

/// <summary>The Distiller: Keras's loss formula, a student that learns, a teacher that does not move.</summary>
public class DistillerTests
{
    [Fact]
    public void TheLossIsAlphaStudentPlusTSquaredKlOnATinyCase()
    {
        RandomGenerator.SetGlobalSeed(5);
        var teacher = new Sequential(new Dense(3, inputShape: [2]));
        var student = new Sequential(new Dense(3, inputShape: [2]));
        teacher.Build(new Shape(2));
        student.Build(new Shape(2));
        const float T = 2f, alpha = 0.3f;
        var distiller = new Distiller(teacher, student, T, alpha);
        distiller.Compile(new Sgd(0.1f), new SparseCategoricalCrossentropy(fromLogits: true));
        var x = Tensor.FromArray(new float[,] { { 0.5f, -1f }, { 2f, 0.25f } });
        var y = Tensor.FromArray(new[] { 2, 0 }, 2);

        var s = distiller.Call(x, training: true);
        float loss = distiller.Loss!.Compute(y, s).ToArray()[0];

        var tl = teacher.Predict(x).ToArray();
        var sl = student.Predict(x).ToArray();
        int[] labels = [2, 0];
        double expected = 0;
        for (int b = 0; b < 2; b++)
        {
            double[] st = Softmax(sl[(3 * b)..(3 * b + 3)], 1), pt = Softmax(tl[(3 * b)..(3 * b + 3)], T), ps = Softmax(sl[(3 * b)..(3 * b + 3)], T);
            double ce = -Math.Log(st[labels[b]]);
            double kl = 0;
            for (int c = 0; c < 3; c++) kl += pt[c] * Math.Log(pt[c] / ps[c]);
            expected += alpha * ce + (1 - alpha) * T * T * kl;
        }
        Assert.Equal(expected / 2, loss, 5);

        // Outside training the loss is the student's alone.
        var plain = distiller.Loss.Compute(y, distiller.Call(x)).ToArray()[0];
        Assert.Equal(new SparseCategoricalCrossentropy(fromLogits: true).Compute(y, student.Predict(x)).ToArray()[0], plain, 6);
    }

    private static double[] Softmax(float[] logits, double t)
    {
        var e = logits.Select(l => Math.Exp(l / t)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    [Fact]
    public void TheStudentLearnsAndTheTeacherDoesNotMove()
    {
        var (teacher, x, y) = Mlp(11);
        teacher.Fit(x, y, batchSize: 16, epochs: 20, verbose: 0);
        var teacherWeights = teacher.Parameters.Select(p => p.Value.ToArray()).ToArray();

        var student = new Sequential(new Dense(4, Activation.Relu, inputShape: [6]), new Dense(3));
        var distiller = new Distiller(teacher, student, temperature: 3f, alpha: 0.2f);
        distiller.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        distiller.Build(new Shape(6));
        var before = distiller.Evaluate(x, y);
        var history = distiller.Fit(x, y, batchSize: 16, epochs: 15, verbose: 0);
        var after = distiller.Evaluate(x, y);

        Assert.True(history["loss"][^1] < history["loss"][0]);
        Assert.True(after["loss"] < before["loss"], $"student loss {before["loss"]} → {after["loss"]}");
        Assert.Contains("sparse_categorical_accuracy", after.Keys);
        for (int i = 0; i < teacherWeights.Length; i++) Assert.Equal(teacherWeights[i], teacher.Parameters.ElementAt(i).Value.ToArray());
        Assert.Equal(student.Parameters.Count(), distiller.TrainableParameters.Count()); // only the student trains
        // Evaluate reports the student's own loss.
        var studentLoss = new SparseCategoricalCrossentropy(fromLogits: true).Compute(y, student.Predict(x)).ToArray()[0];
        Assert.Equal(studentLoss, after["loss"], 4);
    }

    [Fact]
    public void CompiledWithoutItsLossTheDistillerRefusesToTrain()
    {
        var (teacher, x, y) = Mlp(2);
        var student = new Sequential(new Dense(3, inputShape: [6]));
        var distiller = new Distiller(teacher, student);
        ((Model)distiller).Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true));
        Assert.Throws<InvalidOperationException>(() => distiller.Fit(x, y, verbose: 0));
        Assert.Throws<ArgumentException>(() => new Distiller(teacher, teacher));
        Assert.Throws<ArgumentException>(() => new Distiller(teacher, student, temperature: 0f));
    }
}
