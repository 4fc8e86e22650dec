using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Serialization;
using DeepSharp.Serialization.Onnx;
using DeepSharp.Tensors;
using DeepSharp.Text;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>
    /// The <see cref="Text.TextVectorizer"/> that turns raw text into this model's input ids, or null.
    /// <see cref="Save"/> keeps it (vocabulary, standardize, split, sequence length) in the model file and
    /// <see cref="Load(string)"/> gives it back, so a loaded text model (e.g. one served by
    /// <c>deepsharp serve</c>) takes text as it was trained on. A vectorizer with a tokenizer cannot be kept yet.
    /// </summary>
    public TextVectorizer? TextVectorizer { get; set; }

    /// <summary>
    /// The <see cref="Text.StringLookup"/> that turns this model's string inputs into its input tensor (Keras's StringLookup
    /// in front of the model), or null. <see cref="Save"/> keeps it (settings and vocabulary) in the model file and
    /// <see cref="Load(string)"/> gives it back, as <see cref="TextVectorizer"/>.
    /// </summary>
    public StringLookup? StringLookup { get; set; }

    /// <summary>
    /// Writes the model to one safetensors file: every weight named by its path ("dense_1/bias"),
    /// and the architecture in the metadata, so <see cref="Load(string)"/> can rebuild it. Written atomically.
    /// Sequential and graph models (<c>new Model(inputs, outputs)</c>, saved as Keras's "Functional") can be saved.
    /// Every layer's type must be one <see cref="Load(string)"/> can create (built in, or registered:
    /// <see cref="LayerRegistry.Register"/>), and a registered type's config must round-trip; this is
    /// checked before anything is written, so that a file that saves also loads. A compiled model keeps its
    /// compile settings (Keras's compile_config: the optimizer and its settings, the losses, loss weights and
    /// metrics) when all are DeepSharp's own (the learning rate a constant or one of DeepSharp's schedules), so
    /// <see cref="Load(string)"/> gives back a compiled model, and, once it has trained, the optimizer's state (moments,
    /// iterations, the current rate), so that Fit after Load continues as the uninterrupted run, as after Keras's load_model.
    /// The file is safetensors whatever its name; names that promise another format (".keras", ".h5",
    /// ".hdf5", ".pt", ".pth", ".onnx") are refused.
    /// </summary>
    /// <param name="path">The file to write (safetensors).</param>
    /// <param name="includeOptimizer">
    /// Whether to keep the optimizer's moments, iterations and rate once the model has trained (Keras's <c>include_optimizer</c>);
    /// false keeps the compile settings only, a smaller file for inference whose loaded optimizer starts afresh.
    /// </param>
    /// <exception cref="InvalidOperationException">
    /// The model is not built, is a subclassed model (its architecture is code: use <see cref="SaveWeights"/>),
    /// or holds a layer type or activation that is not registered, or whose config does not round-trip; the message says how to fix it.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> ends in another format's extension (".keras", ".h5", ...); the message says which name to use.</exception>
    public void Save(string path, bool includeOptimizer = true)
    {
        CheckFileName(path, "Save");
        if (IsSubclassed) throw SubclassedArchitecture("cannot be saved whole");
        if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built: it has no weights to save yet.");
        foreach (var layer in Layers) LayerRegistry.CheckSavable(layer, Name);
        string? vectorizer = TextVectorizer is { } v ? TextVectorizerJson.Write(v) : null;
        string? lookup = StringLookup is { } l ? StringLookupJson.Write(l) : null;
        var file = WeightsFile();
        if (vectorizer is not null) file.Metadata[ModelFileFormat.TextVectorizerKey] = vectorizer;
        if (lookup is not null) file.Metadata[ModelFileFormat.StringLookupKey] = lookup;
        if (_trainer is { } trainer && CompileConfig.Write(trainer, OutputCount) is { } compile)
        {
            file.Metadata[ModelFileFormat.CompileConfigKey] = compile;
            // The optimizer's state goes with its settings, as Keras's model.save keeps the optimizer's variables; a weight
            // whose path starts as a slot's would be ambiguous, so such a model keeps its settings only.
            // A sharded optimizer (ZeRO) holds slices only: its state is whole in a checkpoint, which gathers it, not here.
            if (includeOptimizer && (trainer.Optimizer.Iterations > 0 || trainer.Optimizer.AccumulatedSteps > 0) && !trainer.Optimizer.HoldsShards && !Parameters.Any(p => p.Path.StartsWith(OptimizerStateFile.ModelFilePrefix, StringComparison.Ordinal)))
                file.Metadata[OptimizerStateFile.ModelFileKey] = OptimizerStateFile.Add(file, trainer.Optimizer.GetState(), OptimizerStateFile.ModelFilePrefix);
        }
        ModelFileFormat.Stamp(file, ArchitectureJson().ToJsonString());
        file.Save(path);
    }

    /// <summary>
    /// Writes only the weights (a safetensors file any reader can open), each named by its path
    /// ("dense_1/kernel"); written atomically. The way to save a subclassed model: load the file into
    /// a new instance with <see cref="LoadWeights"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> ends in another format's extension (".keras", ".h5", ...).</exception>
    public void SaveWeights(string path)
    {
        CheckFileName(path, "SaveWeights");
        CheckFieldsTracked();
        WeightsFile().Save(path);
    }

    /// <summary>
    /// Copies weights from a safetensors file into this model, as Keras's load_weights. By default
    /// names and shapes must match exactly; otherwise nothing changes and a
    /// <see cref="WeightMismatchException"/> lists every difference. Weights are matched by their
    /// path ("dense_1/kernel"): the only order a safetensors file keeps is its names.
    /// </summary>
    /// <param name="path">The file (written by <see cref="SaveWeights"/>, <see cref="Save"/> or any safetensors writer).</param>
    /// <param name="skipMismatch">Skip the weights whose shape or dtype differ from the file's (they keep their values) instead of failing; Keras's skip_mismatch.</param>
    /// <param name="byName">
    /// Load only the weights the file names (Keras's by_name): model weights missing from the file keep
    /// their values and tensors the model lacks are ignored, e.g. to load a trained backbone into a larger model.
    /// </param>
    /// <returns>The weights left as they were, one line each with the reason ("dense_1/kernel: file (4, 3), model (4, 5)"); empty when all were loaded.</returns>
    /// <exception cref="DataFormatException">The file is not a valid safetensors file.</exception>
    /// <exception cref="FileAccessException">The file does not exist or cannot be read.</exception>
    /// <exception cref="WeightMismatchException">Weights differ in a way the options do not allow to skip; nothing was loaded.</exception>
    public IReadOnlyList<string> LoadWeights(string path, bool skipMismatch = false, bool byName = false)
    {
        if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built: build it (or call it once) before loading weights into it.");
        CheckFieldsTracked();
        var file = SafetensorsFile.Load(path);
        var skipped = ModelWeights.Load(Parameters, file, path, OptimizerSlots(file), byName, skipMismatch);
        foreach (var layer in Layers) layer.CheckLoadedWeights($"Weights file '{path}'");
        return skipped;
    }

    /// <summary>
    /// Reads a model written by <see cref="Save"/>: rebuilds the architecture (a Sequential, or a
    /// <see cref="Functional"/> for a graph model, as Keras's load_model; creating only DeepSharp's
    /// own layer types) and loads the weights. A file saved from a compiled model gives back a compiled model
    /// (the same optimizer class and settings, losses, loss weights and metrics, and the optimizer's saved state:
    /// moments, iterations, schedule position), so Evaluate and Fit work at once and Fit continues where the saved model's
    /// training stopped, as after Keras's load_model; other files give an uncompiled model. Every value of the optimizer's
    /// state is checked against the model before it is used (<see cref="DataFormatException"/> otherwise).
    /// </summary>
    /// <exception cref="DataFormatException">The file is invalid or its config describes no model DeepSharp can build.</exception>
    /// <exception cref="WeightMismatchException">The weights do not fit the architecture.</exception>
    /// <exception cref="FileAccessException">The file does not exist or cannot be read.</exception>
    /// <remarks>
    /// A model holding layer types (or activations) of your own loads once they are registered
    /// (<see cref="LayerRegistry.Register"/>, <see cref="Activation.Register"/>) or given to
    /// <see cref="Load(string, CustomObjects)"/>; otherwise the DataFormatException names the type and says how.
    /// </remarks>
    public static Model Load(string path) => Load(path, compile: true);

    /// <summary>
    /// As <see cref="Load(string)"/>; with <paramref name="compile"/> false the model comes back uncompiled whatever the
    /// file holds (Keras's <c>load_model(path, compile=False)</c>): the compile settings and the optimizer's state
    /// are not read, and <c>Compile</c> chooses new ones.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="compile">Whether to compile the model as the file's compile config says (when it has one) and restore its optimizer's state.</param>
    /// <exception cref="DataFormatException">The file is invalid or its config describes no model DeepSharp can build.</exception>
    /// <exception cref="WeightMismatchException">The weights do not fit the architecture.</exception>
    /// <exception cref="FileAccessException">The file does not exist or cannot be read.</exception>
    public static Model Load(string path, bool compile)
    {
        var file = SafetensorsFile.Load(path);
        string json = ModelFileFormat.ReadConfig(file, path);
        var (className, config) = ModelConfig.ReadTop(json, path);
        json = null!; // parsed once; the text is not needed again
        Model model;
        try
        {
            // Building creates the weights: the file must hold at least as many elements as they need.
            using var budget = new WeightBudget(ModelWeights.FloatElements(file), overwrittenByFile: true);
            model = className switch
            {
                "Sequential" => BuildSequential(ModelConfig.Parse(className, config, path), path),
                "Functional" => Functional.FromConfig(config),
                _ => throw new DataFormatException($"Model file '{path}': model class '{className}' is unknown; known: Sequential, Functional."),
            };
        }
        catch (DeepSharpException e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"Model file '{path}': the model config does not build ({e.Message})", e);
        }
        catch (Exception e) when (ModelConfig.IsConfigError(e))
        {
            throw new DataFormatException($"Model file '{path}': the model config does not build ({e.Message})", e);
        }
        if (!model.IsBuilt)
            throw new DataFormatException($"Model file '{path}': the model config gives no input shape (build_input_shape).");
        CheckOutputSizes(model, $"Model file '{path}'");
        ModelWeights.Load(model.Parameters, file, path, OptimizerSlots(file));
        foreach (var layer in model.Layers) layer.CheckLoadedWeights($"Model file '{path}'");
        if (file.Metadata.TryGetValue(ModelFileFormat.TextVectorizerKey, out var vectorizer))
            model.TextVectorizer = ReadTextVectorizer(model, vectorizer, path);
        if (file.Metadata.TryGetValue(ModelFileFormat.StringLookupKey, out var lookup))
            model.StringLookup = ReadStringLookup(model, lookup, path);
        if (compile && file.Metadata.TryGetValue(ModelFileFormat.CompileConfigKey, out var compileConfig))
        {
            CompileConfig.Read(model, compileConfig, path);
            if (file.Metadata.TryGetValue(OptimizerStateFile.ModelFileKey, out var state))
                model._trainer!.Optimizer.SetState(OptimizerStateFile.ReadForModel(file, state, model.Parameters, model._trainer.Optimizer, path));
        }
        return model;
    }

    /// <summary>
    /// As <see cref="Load(string)"/>, with layer types and activations of your own that this load may
    /// create besides the registered ones (Keras's <c>load_model(path, custom_objects=...)</c>).
    /// </summary>
    /// <exception cref="DataFormatException">The file is invalid or its config describes no model DeepSharp can build with these objects.</exception>
    /// <exception cref="WeightMismatchException">The weights do not fit the architecture.</exception>
    /// <exception cref="FileAccessException">The file does not exist or cannot be read.</exception>
    public static Model Load(string path, CustomObjects customObjects) => Load(path, customObjects, compile: true);

    /// <summary>
    /// As <see cref="Load(string, CustomObjects)"/>; with <paramref name="compile"/> false the model comes back
    /// uncompiled (Keras's <c>load_model(path, custom_objects=..., compile=False)</c>).
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="customObjects">Layer types and activations of your own this load may create.</param>
    /// <param name="compile">Whether to compile the model as the file says and restore its optimizer's state.</param>
    /// <exception cref="DataFormatException">The file is invalid or its config describes no model DeepSharp can build with these objects.</exception>
    /// <exception cref="WeightMismatchException">The weights do not fit the architecture.</exception>
    /// <exception cref="FileAccessException">The file does not exist or cannot be read.</exception>
    public static Model Load(string path, CustomObjects customObjects, bool compile)
    {
        ArgumentNullException.ThrowIfNull(customObjects);
        using (customObjects.Scope()) return Load(path, compile);
    }

    /// <summary>The optimizer's slot tensors of a model file that keeps its optimizer's state (none otherwise): not weights.</summary>
    private static Func<string, bool>? OptimizerSlots(SafetensorsFile file) =>
        file.Metadata.ContainsKey(OptimizerStateFile.ModelFileKey) && file.Metadata.ContainsKey(ModelFileFormat.FormatKey)
            ? name => name.StartsWith(OptimizerStateFile.ModelFilePrefix, StringComparison.Ordinal)
            : null;

    /// <summary>
    /// Writes the model as ONNX (opset 17) for ONNX Runtime and other inference engines; written
    /// atomically. Sequential and graph models export; a layer without an ONNX rule is named
    /// in the exception, with the reason.
    /// </summary>
    /// <exception cref="DeepSharpException">A layer cannot be exported.</exception>
    /// <exception cref="InvalidOperationException">The model is not built, or is a subclassed model (its forward pass is code, not a graph).</exception>
    public void ExportOnnx(string path)
    {
        if (IsSubclassed) throw SubclassedArchitecture("cannot be exported to ONNX");
        if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built: give the first layer an inputShape, call Build, or train it first.");
        var bytes = LayerGraph is { } graph
            ? OnnxExporter.Export(Name, graph.Nodes, graph.Inputs, graph.Outputs)
            : OnnxExporter.Export(Name, Layers, Layers[0].BuiltInputShape!.Value);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static readonly (string Extension, string Format)[] s_foreignExtensions =
    [
        (".keras", "Keras's .keras (zip) format"), (".h5", "HDF5 (Keras's .h5)"), (".hdf5", "HDF5"),
        (".pt", "PyTorch's format"), (".pth", "PyTorch's format"), (".onnx", "ONNX (use ExportOnnx)"),
    ];

    /// <summary>Refuses a file name whose extension promises a format DeepSharp does not write (Keras refuses unknown extensions too).</summary>
    private void CheckFileName(string path, string method)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var (extension, format) in s_foreignExtensions)
            if (path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"Model '{Name}': {method} writes a safetensors file, not {format}; '{TerminalText.Escape(path)}' would " +
                    $"name it wrongly. Name it '{TerminalText.Escape(Path.ChangeExtension(path, null))}.safetensors' (DeepSharp's model file, read by " +
                    "Model.Load, LoadWeights and any safetensors reader).", nameof(path));
    }

    /// <summary>Refuses a model file whose layers' outputs would hold more than <see cref="ModelConfig.MaxLayerOutputElements"/> values per sample.</summary>
    private static void CheckOutputSizes(Model model, string what)
    {
        var shapes = model.LayerGraph?.LayerOutputShapeLists() ?? model.LayerOutputShapes().Select(s => (IReadOnlyList<Shape>)[s]).ToArray();
        for (int i = 0; i < shapes.Count && i < model.Layers.Count; i++)
            foreach (var shape in shapes[i])
            {
                long size = 1;
                foreach (int d in shape.Dims) size = Math.Min(long.MaxValue / 2, size * Math.Max(d, 1));
                if (size > ModelConfig.MaxLayerOutputElements)
                    throw new DataFormatException($"{what}: layer '{model.Layers[i].Name}' outputs {shape} per sample, {size} values; " +
                        $"DeepSharp loads at most {ModelConfig.MaxLayerOutputElements} per layer (ModelConfig.MaxLayerOutputElements).");
            }
    }

    /// <summary>The text vectorizer of a model file, once its sequence length fits the model's input (T) when both are fixed.</summary>
    private static TextVectorizer ReadTextVectorizer(Model model, string json, string path)
    {
        var vectorizer = TextVectorizerJson.Read(json, $"Model file '{path}': metadata '{ModelFileFormat.TextVectorizerKey}'");
        // A graph model with several inputs: the vectorizer fills its sequence inputs (those of its length), the others take numbers.
        Shape? input = model is Sequential ? model.Layers[0].BuiltInputShape : model.InputCount == 1 ? model.Inputs[0].Shape
            : model.Inputs.Select(i => (Shape?)i.Shape).FirstOrDefault(s => s is { Rank: 1 } one && (vectorizer.OutputSequenceLength is not { } n || one[0] == n));
        if (input is not { Rank: 1 } shape)
            throw new DataFormatException(model is Sequential || model.InputCount == 1
                ? $"Model file '{path}': it holds a text vectorizer, but the model's input {input?.ToString() ?? "(unknown)"} is not a sequence of token ids (positions)."
                : $"Model file '{path}': it holds a text vectorizer, but none of the model's inputs is a sequence of token ids (positions){(vectorizer.OutputSequenceLength is { } n ? $" of the vectorizer's length {n}" : "")}.");
        if (vectorizer.OutputSequenceLength is { } length && length != shape[0])
            throw new DataFormatException($"Model file '{path}': its text vectorizer makes sequences of {length} ids, but the model takes {shape[0]}.");
        if (vectorizer.OutputMode != "int")
        {
            int depth = vectorizer.OutputWidth;
            return depth == shape[0] ? vectorizer
                : throw new DataFormatException($"Model file '{path}': its text vectorizer ({vectorizer.OutputMode}) makes vectors of {depth} entries, but the model takes {shape[0]}.");
        }
        if (model.Layers.OfType<Nn.Layers.Embedding>().FirstOrDefault() is { } embedding && embedding.InputDim < vectorizer.VocabularySize)
            throw new DataFormatException($"Model file '{path}': its text vectorizer gives ids up to {vectorizer.VocabularySize - 1}, but Embedding '{embedding.Name}' takes ids below {embedding.InputDim}.");
        return vectorizer;
    }

    /// <summary>The string lookup of a model file, once its indices fit a first Embedding's input dimension.</summary>
    private static StringLookup ReadStringLookup(Model model, string json, string path)
    {
        var lookup = StringLookupJson.Read(json, $"Model file '{path}': metadata '{ModelFileFormat.StringLookupKey}'");
        if (lookup.OutputMode == "int" && !lookup.Invert && model.Layers.OfType<Nn.Layers.Embedding>().FirstOrDefault() is { } embedding && embedding.InputDim < lookup.VocabularySize)
            throw new DataFormatException($"Model file '{path}': its string lookup (metadata '{ModelFileFormat.StringLookupKey}') gives indices up to {lookup.VocabularySize - 1}, but Embedding '{embedding.Name}' takes indices below {embedding.InputDim}.");
        return lookup;
    }

    private static Sequential BuildSequential(ModelConfig.Description description, string path)
    {
        if (description.Layers.Count == 0)
            throw new DataFormatException($"Model file '{path}': the model config has no layers.");
        var model = new Sequential(description.Layers, description.Name);
        if (description.BuildInputShape is { } shape) model.Build(shape);
        return model;
    }

    private SafetensorsFile WeightsFile()
    {
        if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built: it has no weights to save yet.");
        var file = new SafetensorsFile();
        ModelWeights.Add(file, Parameters);
        return file;
    }

    internal JsonObject ArchitectureJson() => this is Sequential
        ? ModelConfig.ToJson("Sequential", Name, Layers, Layers[0].BuiltInputShape)
        : new JsonObject { ["class_name"] = "Functional", ["config"] = GetConfig() };
}
