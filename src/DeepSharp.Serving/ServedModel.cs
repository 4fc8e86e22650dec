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
    /// <summary>Wraps <paramref name="model"/> (built or with known input shapes; one or several inputs and outputs) and runs one warm-up prediction.</summary>
    /// <exception cref="ArgumentException">The model has no known input shape, an empty input, or labels that do not match its classes (or labels with several inputs or outputs).</exception>
    public ServedModel(Model model, IReadOnlyList<string>? labels = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Name = name ?? model.Name;
        if (model.InputCount != 1 || model.OutputCount != 1)
        {
            // Several inputs or outputs: named JSON requests only, each run as its own batch (MultiTensorInputs).
            InputNames = model.InputNames;
            InputShapes = [.. model.Inputs.Select(i => i.Shape)];
            foreach (var (shape, i) in InputShapes.Select((s, i) => (s, i)))
                if (shape.Rank == 0 || shape.Size == 0)
                    throw new ArgumentException($"Model '{model.Name}' input '{InputNames[i]}' has shape {shape.ToBatchString()}; serving needs a non-empty per-sample input.");
            OutputNames = model.OutputNames;
            OutputShapes = [.. model.Predict([.. InputShapes.Select(s => Tensor.Zeros(s.WithBatch(1)))], batchSize: 1).Select(t => t.Shape.WithoutBatch())]; // warm-up, and the output shapes
            (InputShape, OutputShape) = (InputShapes[0], OutputShapes[0]);
            (InputSize, OutputSize) = (InputShape.Size, OutputShape.Size);
            (PackedInputSize, PackedOutputSize) = (InputShapes.Sum(s => s.Size), OutputShapes.Sum(s => s.Size));
            if (labels is not null) throw new ArgumentException($"Model '{model.Name}' has several inputs or outputs; labels apply to a classifier with one output.");
            Summary = model.Summary(_ => { });
            if (model.TextVectorizer is { } several && InputShapes.Any(s => TakesText(s, several)))
                TextVectorizer = several; // its sequence inputs take text in multipart parts and named JSON strings; TextKind stays None
            return;
        }
        InputShape = InputShapeOf(model);
        InputSize = InputShape.Size;
        if (InputShape.Rank == 0 || InputSize == 0)
            throw new ArgumentException($"Model '{model.Name}' takes inputs {InputShape.ToBatchString()}; serving needs a non-empty per-sample input.");
        OutputShape = model.Predict(Tensor.Zeros(InputShape.WithBatch(1))).Shape.WithoutBatch(); // warm-up, and the output shape
        (InputShapes, OutputShapes) = ([InputShape], [OutputShape]);
        InputNames = model.InputCount == 1 && model.InputNames.Count == 1 ? model.InputNames : ["input"];
        OutputNames = model.OutputNames;
        OutputSize = OutputShape.Size;
        (PackedInputSize, PackedOutputSize) = (InputSize, OutputSize);
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
            if (vectorizer.OutputMode != "int" && vectorizer.OutputWidth != InputShape[0])
                throw new ArgumentException($"Model '{model.Name}': its text vectorizer ({vectorizer.OutputMode}) makes vectors of {vectorizer.OutputWidth} values, but the model takes {InputShape.ToBatchString()}.");
            bool generative = vectorizer.OutputMode == "int" && OutputShape.Rank == 2 && OutputShape[0] == InputShape[0] && OutputShape[1] == vectorizer.VocabularySize && InputShape[0] >= 2;
            TextKind = generative ? TextKind.Generator : TextKind.Classifier;
        }
    }

    /// <summary>What input <paramref name="index"/> takes besides numbers: image channels (1 or 3) for (height, width, channels) inputs, 0 otherwise.</summary>
    internal int ImageChannelsOf(int index) => InputShapes[index] is { Rank: 3 } shape && shape[2] is 1 or 3 ? InputShapes[index][2] : 0;

    /// <summary>Whether input <paramref name="index"/> takes text: the model holds a vectorizer and the input is a sequence of ids its length.</summary>
    internal bool TakesText(int index) => TextVectorizer is { } vectorizer && TakesText(InputShapes[index], vectorizer);

    private static bool TakesText(Shape shape, DeepSharp.Text.TextVectorizer vectorizer) =>
        shape.Rank == 1 && (vectorizer.OutputMode != "int" ? vectorizer.OutputWidth == shape[0]
            : vectorizer.OutputSequenceLength is not { } length || length == shape[0]);


    /// <summary>The vectorizer that turns text into this model's input ids (kept in its model file); null for models that do not take text.</summary>
    public DeepSharp.Text.TextVectorizer? TextVectorizer { get; }

    /// <summary>What the model does with text: nothing, classify it, or continue it (a causal model scoring the next token at every position).</summary>
    public TextKind TextKind { get; }

    /// <summary>Whether the model gives one sigmoid probability (a binary classifier: class 1's probability; reported as two classes).</summary>
    public bool OutputIsSigmoid { get; }

    /// <summary>Whether the model has several inputs or outputs: it takes named JSON inputs (<c>{"inputs": {"name": [...]}}</c>) or raw float32 bodies holding every input in turn.</summary>
    public bool IsMultiTensor => InputShapes.Count != 1 || OutputShapes.Count != 1;

    /// <summary>The inputs' names, in the model's input order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Each input without the batch axis, in the model's input order.</summary>
    public IReadOnlyList<Shape> InputShapes { get; }

    /// <summary>The outputs' names, in the model's output order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Each output without the batch axis, in the model's output order.</summary>
    public IReadOnlyList<Shape> OutputShapes { get; }

    /// <summary>The model (used only through <see cref="Model.Predict(Tensor, int, CancellationToken)"/>, which is safe from several threads).</summary>
    public Model Model { get; }

    /// <summary>The name /v1/model reports: the model file's name or the model's own.</summary>
    public string Name { get; }

    /// <summary>One input without the batch axis, e.g. (28, 28, 1) (the first input of a model with several).</summary>
    public Shape InputShape { get; }

    /// <summary>Values per input.</summary>
    public int InputSize { get; }

    /// <summary>One output without the batch axis, e.g. (10) (the first output of a model with several).</summary>
    public Shape OutputShape { get; }

    /// <summary>Values per output.</summary>
    public int OutputSize { get; }

    /// <summary>Values of one sample's inputs, every input's in the model's input order (<see cref="InputSize"/> for a model with one input): a row of the batcher.</summary>
    internal int PackedInputSize { get; }

    /// <summary>Values of one sample's outputs, every output's in the model's output order (<see cref="OutputSize"/> for a model with one output).</summary>
    internal int PackedOutputSize { get; }

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

    /// <summary>A causal model over the vectorizer's tokens (characters, words or subwords; scores of the next token at every position): the text is continued one sampled token at a time.</summary>
    Generator,
}
