using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Serving;

/// <summary>
/// The model behind a server and what requests are checked against: its per-sample input and output
/// shapes (found by one warm-up prediction), whether it reads images, whether its outputs are
/// class probabilities, and the class labels.
/// </summary>
public sealed class ServedModel
{
    /// <summary>Wraps <paramref name="model"/> (one input, one output, built or with a known input shape) and runs one warm-up prediction.</summary>
    /// <exception cref="ArgumentException">The model has several inputs or outputs, no known input shape, or labels that do not match its classes.</exception>
    public ServedModel(Model model, IReadOnlyList<string>? labels = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.InputCount != 1 || model.OutputCount != 1)
            throw new ArgumentException($"Model '{model.Name}' has {model.InputCount} inputs and {model.OutputCount} outputs; serving takes models with one of each.");
        Model = model;
        Name = name ?? model.Name;
        InputShape = InputShapeOf(model);
        InputSize = InputShape.Size;
        if (InputShape.Rank == 0 || InputSize == 0)
            throw new ArgumentException($"Model '{model.Name}' takes inputs {InputShape.ToBatchString()}; serving needs a non-empty per-sample input.");
        OutputShape = model.Predict(Tensor.Zeros(InputShape.WithBatch(1))).Shape.WithoutBatch(); // warm-up, and the output shape
        OutputSize = OutputShape.Size;
        var last = model.Layers.Count > 0 ? model.Layers[^1].GetConfig()["activation"] : null;
        OutputsProbabilities = last is not null && (string?)last == "softmax";
        OutputIsSigmoid = OutputShape.Rank == 1 && OutputShape[0] == 1 && last is not null && (string?)last == "sigmoid";
        ClassCount = OutputShape.Rank == 1 && OutputShape[0] >= 2 ? OutputShape[0] : OutputIsSigmoid ? 2 : 0;
        if (labels is not null && labels.Count != ClassCount)
            throw new ArgumentException($"{labels.Count} labels given; model '{model.Name}' has {ClassCount} classes (outputs {OutputShape.ToBatchString()}).");
        Labels = labels;
        ImageChannels = InputShape.Rank == 3 && InputShape[2] is 1 or 3 ? InputShape[2] : 0;
        Summary = model.Summary(_ => { });
        if (model.TextVectorizer is { } vectorizer && InputShape.Rank == 1)
        {
            TextVectorizer = vectorizer;
            bool generative = OutputShape.Rank == 2 && OutputShape[0] == InputShape[0] && OutputShape[1] == vectorizer.VocabularySize && vectorizer.SplitMode == DeepSharp.Text.Split.Character;
            TextKind = generative ? TextKind.Generator : TextKind.Classifier;
        }
    }

    /// <summary>The vectorizer that turns text into this model's input ids (kept in its model file); null for models that do not take text.</summary>
    public DeepSharp.Text.TextVectorizer? TextVectorizer { get; }

    /// <summary>What the model does with text: nothing, classify it, or continue it (a character model scoring the next character at every position).</summary>
    public TextKind TextKind { get; }

    /// <summary>Whether the model gives one sigmoid probability (a binary classifier: class 1's probability; reported as two classes).</summary>
    public bool OutputIsSigmoid { get; }

    /// <summary>The model (used only through <see cref="Model.Predict(Tensor, int, CancellationToken)"/>, which is safe from several threads).</summary>
    public Model Model { get; }

    /// <summary>The name /v1/model reports: the model file's name or the model's own.</summary>
    public string Name { get; }

    /// <summary>One input without the batch axis, e.g. (28, 28, 1).</summary>
    public Shape InputShape { get; }

    /// <summary>Values per input.</summary>
    public int InputSize { get; }

    /// <summary>One output without the batch axis, e.g. (10).</summary>
    public Shape OutputShape { get; }

    /// <summary>Values per output.</summary>
    public int OutputSize { get; }

    /// <summary>Whether the last layer ends in a softmax (outputs are probabilities, not logits).</summary>
    public bool OutputsProbabilities { get; }

    /// <summary>Classes of a classifier (outputs of shape (C) with C ≥ 2, or 2 for one sigmoid output); 0 for other models.</summary>
    public int ClassCount { get; }

    /// <summary>A name per class, or null (classes are then named by index).</summary>
    public IReadOnlyList<string>? Labels { get; }

    /// <summary>1 or 3 when inputs are images (height, width, channels), which PNG requests fill; 0 otherwise.</summary>
    public int ImageChannels { get; }

    /// <summary>Keras's summary table of the model.</summary>
    public string Summary { get; }

    private static Shape InputShapeOf(Model model)
    {
        if (model is Sequential)
        {
            if (model.Layers.Count == 0 || model.Layers[0].BuiltInputShape is not { } shape)
                throw new ArgumentException($"Model '{model.Name}' has no known input shape: build it (or give its first layer an input shape) before serving it.");
            return shape;
        }
        try
        {
            return model.Inputs[0].Shape;
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"Model '{model.Name}' has no known input shape: {e.Message}", e);
        }
    }
}

/// <summary>What a served model does with text (see <see cref="ServedModel.TextKind"/>).</summary>
public enum TextKind
{
    /// <summary>The model does not take text (its model file holds no text vectorizer).</summary>
    None,

    /// <summary>Texts are vectorized and classified: the answer holds class probabilities.</summary>
    Classifier,

    /// <summary>A character model: the text is continued one sampled character at a time.</summary>
    Generator,
}
