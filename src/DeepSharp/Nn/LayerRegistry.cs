using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DeepSharp.Nn.Layers;

namespace DeepSharp.Nn;

/// <summary>
/// The only layer types a config (or a model file) can create: an explicit table from Keras class
/// name to factory, DeepSharp's own types and the ones the program registers (Keras's
/// <c>register_keras_serializable</c>: <see cref="Register"/>; for one load, <see cref="CustomObjects"/>).
/// Nothing is looked up by reflection, so a file cannot name arbitrary types.
/// </summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<LayerConfig, Layer>> s_factories = new(StringComparer.Ordinal)
    {
        ["Dense"] = Dense.FromConfig,
        ["EinsumDense"] = EinsumDense.FromConfig,
        ["Conv2D"] = Conv2D.FromConfig,
        ["MaxPooling2D"] = MaxPooling2D.FromConfig,
        ["Flatten"] = Flatten.FromConfig,
        ["Dropout"] = Dropout.FromConfig,
        ["Conv1D"] = Conv1D.FromConfig,
        ["AveragePooling2D"] = AveragePooling2D.FromConfig,
        ["GlobalAveragePooling2D"] = GlobalAveragePooling2D.FromConfig,
        ["GlobalMaxPooling2D"] = GlobalMaxPooling2D.FromConfig,
        ["BatchNormalization"] = BatchNormalization.FromConfig,
        ["LayerNormalization"] = LayerNormalization.FromConfig,
        ["Embedding"] = Embedding.FromConfig,
        ["Reshape"] = Reshape.FromConfig,
        ["Activation"] = ActivationLayer.FromConfig,
        ["Add"] = Add.FromConfig,
        ["Multiply"] = Multiply.FromConfig,
        ["Concatenate"] = Concatenate.FromConfig,
        ["Subtract"] = Subtract.FromConfig,
        ["Average"] = Average.FromConfig,
        ["Maximum"] = Maximum.FromConfig,
        ["Minimum"] = Minimum.FromConfig,
        ["Dot"] = Dot.FromConfig,
        ["Attention"] = Attention.FromConfig,
        ["AdditiveAttention"] = AdditiveAttention.FromConfig,
        ["Rescaling"] = Rescaling.FromConfig,
        ["Normalization"] = Normalization.FromConfig,
        ["GroupNormalization"] = GroupNormalization.FromConfig,
        ["UnitNormalization"] = UnitNormalization.FromConfig,
        ["RMSNormalization"] = RmsNormalization.FromConfig,
        ["Discretization"] = Discretization.FromConfig,
        ["CategoryEncoding"] = CategoryEncoding.FromConfig,
        ["IntegerLookup"] = IntegerLookup.FromConfig,
        ["Hashing"] = Hashing.FromConfig,
        ["RandomFlip"] = RandomFlip.FromConfig,
        ["RandomRotation"] = RandomRotation.FromConfig,
        ["RandomTranslation"] = RandomTranslation.FromConfig,
        ["RandomZoom"] = RandomZoom.FromConfig,
        ["Resizing"] = Resizing.FromConfig,
        ["CenterCrop"] = CenterCrop.FromConfig,
        ["RandomCrop"] = RandomCrop.FromConfig,
        ["RandomContrast"] = RandomContrast.FromConfig,
        ["RandomBrightness"] = RandomBrightness.FromConfig,
        ["RandomGrayscale"] = RandomGrayscale.FromConfig,
        ["Solarization"] = Solarization.FromConfig,
        ["RandomHue"] = RandomHue.FromConfig,
        ["RandomSaturation"] = RandomSaturation.FromConfig,
        ["RandomColorDegeneration"] = RandomColorDegeneration.FromConfig,
        ["RandomColorJitter"] = RandomColorJitter.FromConfig,
        ["RandomSharpness"] = RandomSharpness.FromConfig,
        ["RandomInvert"] = RandomInvert.FromConfig,
        ["RandomPosterization"] = RandomPosterization.FromConfig,
        ["RandomShear"] = RandomShear.FromConfig,
        ["AutoContrast"] = AutoContrast.FromConfig,
        ["RandomErasing"] = RandomErasing.FromConfig,
        ["RandomGaussianBlur"] = RandomGaussianBlur.FromConfig,
        ["RandomPerspective"] = RandomPerspective.FromConfig,
        ["Equalization"] = Equalization.FromConfig,
        ["RandAugment"] = RandAugment.FromConfig,
        ["AugMix"] = AugMix.FromConfig,
        ["InputLayer"] = InputLayer.FromConfig,
        ["SimpleRNN"] = SimpleRnn.FromConfig,
        ["LSTM"] = Lstm.FromConfig,
        ["ConvLSTM1D"] = ConvLstm1D.FromConfig,
        ["ConvLSTM2D"] = ConvLstm2D.FromConfig,
        ["ConvLSTM3D"] = ConvLstm3D.FromConfig,
        ["GRU"] = Gru.FromConfig,
        ["Bidirectional"] = Bidirectional.FromConfig,
        ["RNN"] = Rnn.FromConfig,
        ["SimpleRNNCell"] = SimpleRnnCell.FromConfig,
        ["LSTMCell"] = LstmCell.FromConfig,
        ["GRUCell"] = GruCell.FromConfig,
        ["StackedRNNCells"] = StackedRnnCells.FromConfig,
        ["MultiHeadAttention"] = MultiHeadAttention.FromConfig,
        ["GroupQueryAttention"] = GroupQueryAttention.FromConfig,
        ["PositionEmbedding"] = PositionEmbedding.FromConfig,
        ["ReversibleEmbedding"] = ReversibleEmbedding.FromConfig,
        ["SinusoidalPositionEncoding"] = SinusoidalPositionEncoding.FromConfig,
        ["TransformerEncoderBlock"] = TransformerEncoderBlock.FromConfig,
        ["TransformerDecoderBlock"] = TransformerDecoderBlock.FromConfig,
        ["Conv2DTranspose"] = Conv2DTranspose.FromConfig,
        ["UpSampling2D"] = UpSampling2D.FromConfig,
        ["ZeroPadding2D"] = ZeroPadding2D.FromConfig,
        ["Cropping2D"] = Cropping2D.FromConfig,
        ["DepthwiseConv2D"] = DepthwiseConv2D.FromConfig,
        ["SeparableConv2D"] = SeparableConv2D.FromConfig,
        ["DepthwiseConv1D"] = DepthwiseConv1D.FromConfig,
        ["SeparableConv1D"] = SeparableConv1D.FromConfig,
        ["Conv1DTranspose"] = Conv1DTranspose.FromConfig,
        ["UpSampling1D"] = UpSampling1D.FromConfig,
        ["ZeroPadding1D"] = ZeroPadding1D.FromConfig,
        ["Cropping1D"] = Cropping1D.FromConfig,
        ["LeakyReLU"] = LeakyRelu.FromConfig,
        ["ELU"] = Elu.FromConfig,
        ["ReLU"] = Relu.FromConfig,
        ["PReLU"] = PRelu.FromConfig,
        ["Softmax"] = Softmax.FromConfig,
        ["MaxPooling1D"] = MaxPooling1D.FromConfig,
        ["AveragePooling1D"] = AveragePooling1D.FromConfig,
        ["GlobalMaxPooling1D"] = GlobalMaxPooling1D.FromConfig,
        ["GlobalAveragePooling1D"] = GlobalAveragePooling1D.FromConfig,
        ["RepeatVector"] = RepeatVector.FromConfig,
        ["Permute"] = Permute.FromConfig,
        ["SpatialDropout1D"] = SpatialDropout1D.FromConfig,
        ["SpatialDropout2D"] = SpatialDropout2D.FromConfig,
        ["Conv3D"] = Conv3D.FromConfig,
        ["Conv3DTranspose"] = Conv3DTranspose.FromConfig,
        ["MaxPooling3D"] = MaxPooling3D.FromConfig,
        ["AveragePooling3D"] = AveragePooling3D.FromConfig,
        ["GlobalMaxPooling3D"] = GlobalMaxPooling3D.FromConfig,
        ["GlobalAveragePooling3D"] = GlobalAveragePooling3D.FromConfig,
        ["UpSampling3D"] = UpSampling3D.FromConfig,
        ["ZeroPadding3D"] = ZeroPadding3D.FromConfig,
        ["Cropping3D"] = Cropping3D.FromConfig,
        ["SpatialDropout3D"] = SpatialDropout3D.FromConfig,
        ["GaussianNoise"] = GaussianNoise.FromConfig,
        ["GaussianDropout"] = GaussianDropout.FromConfig,
        ["Masking"] = Masking.FromConfig,
        ["Identity"] = Identity.FromConfig,
        ["ActivityRegularization"] = ActivityRegularization.FromConfig,
        ["AlphaDropout"] = AlphaDropout.FromConfig,
        ["Lambda"] = Lambda.FromConfig, // its function comes from Lambda.Register or CustomObjects.AddFunction
        ["TimeDistributed"] = TimeDistributed.FromConfig,
        // The audio front end (issue 18): spectrograms with no weights, and SpecAugment's masking.
        ["STFTSpectrogram"] = StftSpectrogram.FromConfig,
        ["MelSpectrogram"] = MelSpectrogram.FromConfig,
        ["SpecAugment"] = SpecAugment.FromConfig,
        ["QuantizedDense"] = QuantizedDense.FromConfig,
        ["QuantizedConv2D"] = QuantizedConv2D.FromConfig,
        ["QuantizedConv1D"] = QuantizedConv1D.FromConfig,
        ["QuantizedAdd"] = QuantizedAdd.FromConfig,
        ["QuantizedConcatenate"] = QuantizedConcatenate.FromConfig,
    };

    /// <summary>
    /// Other names Keras writes for a built-in type: Keras exports <c>keras.layers.GroupQueryAttention</c> but
    /// saves its class name, <c>GroupedQueryAttention</c>, in model configs.
    /// </summary>
    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.Ordinal)
    {
        ["GroupedQueryAttention"] = "GroupQueryAttention",
    };

    private static readonly ConcurrentDictionary<string, Func<JsonObject, Layer>> s_registered = new(StringComparer.Ordinal);

    /// <summary>DeepSharp's own layer types, by Keras class name ("Dense", "LSTM", ...).</summary>
    public static IReadOnlyCollection<string> KnownTypes => s_factories.Keys;

    /// <summary>The layer types the program registered with <see cref="Register"/>.</summary>
    public static IReadOnlyCollection<string> RegisteredTypes => s_registered.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Registers a layer type of your own for every config and model file the program reads (Keras's
    /// <c>register_keras_serializable</c>): a config whose class_name is <paramref name="typeName"/>
    /// is built by <paramref name="fromConfig"/>, which reads what the layer's
    /// <see cref="Layer.GetConfig"/> wrote (values from a file arrive as JSON: read them with
    /// <c>GetValue&lt;T&gt;()</c>). Register once at start-up, before loading; registering the same
    /// factory again does nothing. See docs/custom.md.
    /// <code>
    /// LayerRegistry.Register("ScaleShift", ScaleShift.FromConfig);
    /// </code>
    /// </summary>
    /// <param name="typeName">The layer's <see cref="Layer.TypeName"/>, as model configs store it.</param>
    /// <param name="fromConfig">Builds a new, unbuilt layer from its config.</param>
    /// <exception cref="ArgumentException">The name is empty or not printable, a built-in type's, or registered already with another factory.</exception>
    public static void Register(string typeName, Func<JsonObject, Layer> fromConfig)
    {
        CheckNewName(typeName, fromConfig);
        var existing = s_registered.GetOrAdd(typeName, fromConfig);
        if (!existing.Equals(fromConfig))
            throw new ArgumentException($"Layer type '{typeName}' is registered already, with another factory ({Describe(existing)}); a name can stand for one type only.", nameof(typeName));
    }

    /// <summary>Whether a config may name <paramref name="typeName"/> here: built in, registered, or in an open <see cref="CustomObjects.Scope"/>.</summary>
    public static bool IsKnown(string typeName) => Find(typeName) is not null;

    /// <summary>
    /// Creates a layer from its type name and config. Unknown types, and configs whose values are
    /// missing, null, of the wrong kind or out of range (see <see cref="LayerConfig"/>) or that the
    /// layer's constructor refuses, throw a <see cref="DeepSharpException"/> naming the layer.
    /// Types of your own come from <see cref="Register"/> or an open <see cref="CustomObjects.Scope"/>.
    /// </summary>
    public static Layer Create(string typeName, JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        ArgumentNullException.ThrowIfNull(config);
        if (t_nesting >= MaxNesting)
            throw new DeepSharpException($"Layer type '{TerminalText.Escape(typeName)}' is nested {t_nesting} layers deep in other layers' configs " +
                $"(a wrapper, an RNN, StackedRNNCells, ... each holding the next); DeepSharp reads at most {MaxNesting} levels ({nameof(LayerRegistry)}.{nameof(MaxNesting)}).");
        if (t_nesting == 0) CheckDepth(typeName, config);
        t_nesting++;
        try
        {
            return CreateNested(typeName, config);
        }
        finally
        {
            t_nesting--;
        }
    }

    /// <summary>
    /// How deeply layer configs may nest inside other layers' configs (Bidirectional holding an RNN holding
    /// StackedRNNCells holding cells is 4): a model file's JSON (at most <c>ModelConfig.MaxDepth</c> = 32 deep, two
    /// levels per layer) cannot go deeper, and a config built in memory is stopped here rather than by a stack overflow.
    /// </summary>
    public const int MaxNesting = 16;

    /// <summary>
    /// How deeply a layer config may nest JSON objects and lists: a model file's whole config is at most
    /// <c>ModelConfig.MaxDepth</c> = 32 deep, so none of its layers' configs is refused. A config built in memory (or parsed
    /// with a larger depth) is checked without recursion before anything reads it: the readers clone and walk nested
    /// configs recursively (an RNN's cell, a wrapper's layer), and 100,000 levels overflowed the stack.
    /// </summary>
    public const int MaxConfigDepth = 32;

    [ThreadStatic] private static int t_nesting;

    /// <summary>Refuses a config nested deeper than <see cref="MaxConfigDepth"/>, walking it with a stack of its own.</summary>
    private static void CheckDepth(string typeName, JsonObject config)
    {
        var pending = new Stack<(JsonNode Node, int Depth)>();
        pending.Push((config, 1));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            if (depth > MaxConfigDepth)
                throw new DeepSharpException($"The config of layer type '{TerminalText.Escape(typeName)}' nests objects and lists more than {MaxConfigDepth} deep; " +
                    $"DeepSharp reads at most {MaxConfigDepth} ({nameof(LayerRegistry)}.{nameof(MaxConfigDepth)}).");
            if (node is JsonObject o)
            {
                foreach (var (_, value) in o)
                    if (value is JsonObject or JsonArray) pending.Push((value, depth + 1));
            }
            else if (node is JsonArray a)
            {
                foreach (var value in a)
                    if (value is JsonObject or JsonArray) pending.Push((value!, depth + 1));
            }
        }
    }

    private static Layer CreateNested(string typeName, JsonObject config)
    {
        typeName = s_aliases.GetValueOrDefault(typeName, typeName);
        if (s_factories.TryGetValue(typeName, out var factory))
        {
            var reader = new LayerConfig(config, typeName);
            RequireChannelsLast(reader);
            try
            {
                var made = factory(reader);
                made.Trainable = reader.Bool("trainable", true);
                return made;
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or InvalidCastException or OverflowException)
            {
                throw InvalidConfig(typeName, reader.Name, e);
            }
        }
        var custom = Find(typeName) ?? throw new DeepSharpException(UnknownType(typeName));
        string? name = NameIn(config);
        Layer layer;
        try
        {
            layer = custom(config);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or InvalidCastException
            or OverflowException or KeyNotFoundException or NullReferenceException or System.Text.Json.JsonException)
        {
            throw InvalidConfig(typeName, name, e);
        }
        if (layer is null || layer.TypeName != typeName)
            throw new DeepSharpException($"The factory registered for layer type '{typeName}' returned " +
                (layer is null ? "null" : $"a layer of type '{layer.TypeName}'") + $"; it must return a new {typeName}.");
        if (config["trainable"] is JsonValue trainable && trainable.TryGetValue(out bool isTrainable)) layer.Trainable = isTrainable;
        return layer;
    }

    /// <summary>A new, unbuilt layer with the same configuration.</summary>
    public static Layer Clone(Layer layer) => Create(layer.TypeName, layer.GetConfig());

    /// <summary>
    /// Checks, when a model is saved, that its file will load: the layer's type is one a config may
    /// name (else the message says how to register it), its config builds again as read back from
    /// JSON text, and, for a type of your own, the rebuilt layer is of the same class and writes the
    /// same config (a key FromConfig does not read would load as its default). A value GetConfig
    /// never writes cannot be seen here: the user's config tests own that.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer would not load back as it is.</exception>
    internal static void CheckSavable(Layer layer, string modelName)
    {
        string type = layer.TypeName, where = $"Model '{modelName}' cannot be saved: layer '{layer.Name}'";
        bool builtIn = s_factories.ContainsKey(type);
        if (!builtIn && Find(type) is null)
            throw new InvalidOperationException($"{where} is of type '{type}' ({layer.GetType().FullName}), which is not registered, so Model.Load could not rebuild it. " +
                $"Register it once at start-up, LayerRegistry.Register(\"{type}\", {layer.GetType().Name}.FromConfig), with a static FromConfig(JsonObject config) " +
                "that reads what GetConfig writes (or save and load inside `using (customObjects.Scope())`); see docs/custom.md. " +
                "To keep only the weights, use SaveWeights.");
        string saved = layer.GetConfig().ToJsonString();
        Layer clone;
        try
        {
            clone = Create(type, (JsonObject)JsonNode.Parse(saved)!);
        }
        catch (DeepSharpException e)
        {
            throw new InvalidOperationException($"{where} ({type}) would not load back from its config: {e.Message}", e);
        }
        if (layer is Rnn rnn) // its cell may be a type of your own: checked as a layer of its own
            foreach (var cell in rnn.Cell.SelfAndSublayers()) CheckSavable(cell, modelName);
        if (builtIn)
        {
            // A built-in layer writes its config back exactly (the layer harness checks it), so a
            // difference here comes from a regularizer or constraint of your own.
            if (ConfigObjects.HoldsUserObjects(JsonNode.Parse(saved)) && clone.GetConfig().ToJsonString() is var again && again != saved)
                throw new InvalidOperationException($"{where} ({type}): a regularizer or constraint of your own does not round-trip, so the loaded layer would differ. " +
                    $"GetConfig wrote {saved}; read back it is {again}. Its GetConfig must write every constructor argument and its registered factory must read them all.");
            return;
        }
        if (clone.GetType() != layer.GetType())
            throw new InvalidOperationException($"{where} is a {layer.GetType().FullName}, but the factory registered for '{type}' makes a {clone.GetType().FullName}.");
        string reread = clone.GetConfig().ToJsonString();
        if (reread != saved)
            throw new InvalidOperationException($"{where} ({type}): its config does not round-trip, so the loaded layer would differ. " +
                $"GetConfig wrote {saved}; the layer FromConfig made from it writes {reread}. " +
                "GetConfig must write every constructor argument (start from base.GetConfig()) and FromConfig must read them all.");
    }

    /// <summary>The checks every new layer-type name passes: printable, not built in.</summary>
    internal static void CheckNewName(string typeName, Func<JsonObject, Layer> fromConfig)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        ArgumentNullException.ThrowIfNull(fromConfig);
        if (typeName.Length == 0 || typeName.Length > LayerConfig.MaxString || Naming.TextProblem(typeName) is not null)
            throw new ArgumentException($"A layer type name must be 1 to {LayerConfig.MaxString} printable characters; got \"{TerminalText.Escape(typeName)}\".", nameof(typeName));
        if (s_factories.ContainsKey(typeName) || s_aliases.ContainsKey(typeName))
            throw new ArgumentException($"'{typeName}' is a built-in layer type; give your layer another TypeName (and register it under that).", nameof(typeName));
    }

    private static Func<JsonObject, Layer>? Find(string typeName)
    {
        typeName = s_aliases.GetValueOrDefault(typeName, typeName);
        if (s_factories.TryGetValue(typeName, out var factory)) return config => factory(new LayerConfig(config, typeName));
        return CustomObjects.FindLayer(typeName) ?? s_registered.GetValueOrDefault(typeName);
    }

    private static string UnknownType(string typeName)
    {
        string type = TerminalText.Escape(typeName);
        string registered = s_registered.IsEmpty ? "" : $" Registered: {string.Join(", ", RegisteredTypes)}.";
        return $"Unknown layer type '{type}'. A layer type of your own must be registered before a model holding it is loaded: " +
            $"LayerRegistry.Register(\"{type}\", config => ...) once at start-up, or Model.Load(path, new CustomObjects().AddLayer(\"{type}\", ...)); " +
            $"see docs/custom.md. Built-in: {string.Join(", ", s_factories.Keys)}.{registered}";
    }

    /// <summary>
    /// Keras's data_format, for every built-in type that has it (convolutions, pooling, padding, cropping, resizing,
    /// Flatten, the image layers): only "channels_last" (or missing/null) is read. A Keras config saying "channels_first"
    /// would otherwise load as channels-last and compute something else silently (MaxPooling2D, Flatten and the image
    /// augmentation layers did).
    /// </summary>
    private static void RequireChannelsLast(LayerConfig c)
    {
        if (!c.Has("data_format")) return;
        string format = c.String("data_format", "channels_last");
        if (format != "channels_last")
            throw c.Error("data_format", $"is '{format}'; DeepSharp's layers take channels_last data only (images (batch, rows, columns, channels), sequences (batch, steps, features))");
    }

    private static DeepSharpException InvalidConfig(string typeName, string? name, Exception e)
    {
        string layer = name is null ? $"layer type '{typeName}'" : $"layer '{name}' ({typeName})";
        return new DeepSharpException($"Invalid config for {layer}: {e.Message}", e);
    }

    /// <summary>The config's "name" when it is printable text, for messages; null otherwise.</summary>
    private static string? NameIn(JsonObject config)
    {
        try
        {
            return config["name"] is JsonValue v && v.TryGetValue(out string? n) && n is not null ? TerminalText.Escape(n) : null;
        }
        catch (InvalidOperationException)
        {
            return null; // an escaped lone surrogate does not decode
        }
    }

    private static string Describe(Func<JsonObject, Layer> factory) => $"{factory.Method.DeclaringType?.Name}.{factory.Method.Name}";
}
