using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Compression;

/// <summary>
/// Knowledge distillation as Keras's example (<c>class Distiller(keras.Model)</c>): a student
/// learns from the labels and from a frozen teacher's softened outputs. Both models output logits.
/// Training minimises, per sample,
/// α·studentLoss(y, s) + (1 − α)·T²·KL(softmax(t/T) ‖ softmax(s/T)),
/// with s the student's and t the teacher's logits; Evaluate, validation and Predict run the
/// student alone and report the student loss and metrics.
/// <code>
/// var distiller = new Distiller(teacher, student, temperature: 10f, alpha: 0.1f);
/// distiller.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
/// distiller.Fit(x, y, epochs: 3);
/// student.Save("student.safetensors");
/// </code>
/// The distiller is a subclassed model that tracks the student's layers only, so Fit trains the
/// student's weights and never the teacher's (the teacher runs without gradients, in inference
/// mode). It trains through the one training loop: its <see cref="Call"/> runs the teacher beside the
/// student on training batches, and the loss <see cref="Compile"/> installs reads that output.
/// Save the student, not the distiller (whose architecture is code).
/// </summary>
public sealed class Distiller : Model
{
    private Tensor? _teacherLogits;

    /// <param name="teacher">The trained teacher (built); it is not trained.</param>
    /// <param name="student">The model to train; the distiller trains its weights in place.</param>
    /// <param name="temperature">T &gt; 0: how much the logits are softened (Keras's example uses 10).</param>
    /// <param name="alpha">Weight of the student loss, in [0, 1]; the distillation term gets 1 − α (Keras's example: 0.1).</param>
    /// <param name="name">The model's name (default "distiller").</param>
    /// <exception cref="ArgumentException">The same model as teacher and student, T ≤ 0 or α outside [0, 1].</exception>
    public Distiller(Model teacher, Model student, float temperature = 3f, float alpha = 0.1f, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(student);
        if (ReferenceEquals(teacher, student)) throw new ArgumentException("Distiller: the teacher and the student must be different models.", nameof(student));
        if (!(temperature > 0f) || !float.IsFinite(temperature)) throw new ArgumentException($"Distiller: temperature must be positive; got {temperature}.", nameof(temperature));
        if (!(alpha is >= 0f and <= 1f)) throw new ArgumentException($"Distiller: alpha must be in [0, 1]; got {alpha}.", nameof(alpha));
        Teacher = teacher;
        Student = student;
        Temperature = temperature;
        Alpha = alpha;
        foreach (var layer in student.Layers) Track(layer);
    }

    /// <summary>The frozen teacher.</summary>
    public Model Teacher { get; }

    /// <summary>The model being trained.</summary>
    public Model Student { get; }

    /// <summary>The softening temperature T.</summary>
    public float Temperature { get; }

    /// <summary>The weight α of the student loss.</summary>
    public float Alpha { get; }

    /// <summary>
    /// Compiles for distillation: the minimised loss combines <paramref name="studentLoss"/> (on the
    /// labels, with the student's logits) and the distillation term; the metrics are the student's.
    /// (Model's own Compile, called on a distiller, leaves out the teacher: Fit then refuses.)
    /// </summary>
    /// <param name="optimizer">Updates the student's weights.</param>
    /// <param name="studentLoss">The student's loss on the labels (e.g. SparseCategoricalCrossentropy(fromLogits: true)).</param>
    /// <param name="metrics">The student's metrics.</param>
    /// <param name="weightedMetrics">The student's sample-weighted metrics.</param>
    public new void Compile(Optimizer optimizer, Loss studentLoss, IEnumerable<Metric>? metrics = null, IEnumerable<Metric>? weightedMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(studentLoss);
        base.Compile(optimizer, new DistillationLoss(this, studentLoss), metrics, weightedMetrics);
    }

    /// <summary>The student's logits; on a training batch the teacher's are computed too (without gradients) for the loss.</summary>
    public override Tensor Call(Tensor x, bool training = false)
    {
        _teacherLogits = null;
        if (training)
        {
            if (Loss is not DistillationLoss)
                throw new InvalidOperationException($"Distiller '{Name}' was compiled without its distillation loss: compile it through Distiller.Compile(optimizer, studentLoss, metrics).");
            using (NoGrad.Scope()) _teacherLogits = Teacher.Call(x, training: false);
        }
        return Student.Call(x, training);
    }

    /// <summary>The teacher's logits of the current training batch, taken once; null outside training.</summary>
    internal Tensor? TakeTeacherLogits()
    {
        var t = _teacherLogits;
        _teacherLogits = null;
        return t;
    }
}
