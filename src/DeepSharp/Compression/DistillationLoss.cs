using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Tensors;

namespace DeepSharp.Compression;

/// <summary>
/// The loss a <see cref="Distiller"/> trains with: on a training batch (where the distiller has run
/// the teacher) α·student + (1 − α)·T²·KL(softmax(t/T) ‖ softmax(s/T)) per sample, the divergence
/// being Keras's <see cref="KLDivergence"/> (probabilities clipped to [1e−7, 1]); elsewhere
/// (evaluation) the student loss alone, as Keras's example's test_step.
/// </summary>
public sealed class DistillationLoss : Loss
{
    private readonly Distiller _distiller;
    private readonly KLDivergence _divergence = new();

    internal DistillationLoss(Distiller distiller, Loss studentLoss)
    {
        _distiller = distiller;
        StudentLoss = studentLoss;
    }

    /// <summary>The student's loss on the labels.</summary>
    public Loss StudentLoss { get; }

    /// <inheritdoc/>
    public override string Name => "distillation";

    /// <summary>One combined loss per sample (the student loss alone outside training).</summary>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var student = StudentLoss.PerSample(yTrue, yPred);
        if (_distiller.TakeTeacherLogits() is not { } teacher) return student;
        if (teacher.Shape != yPred.Shape)
            throw new ShapeMismatchException($"Distiller '{_distiller.Name}': the teacher's outputs {teacher.Shape} and the student's {yPred.Shape} differ.");
        float t = _distiller.Temperature, alpha = _distiller.Alpha;
        var soft = _divergence.PerSample(Ops.Softmax(Ops.Affine(teacher, 1f / t)), Ops.Softmax(Ops.Affine(yPred, 1f / t)));
        return Ops.Add(Ops.Affine(student, alpha), Ops.Affine(soft, (1f - alpha) * t * t));
    }
}
