using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// How each layer type becomes ONNX nodes (opset 17). DeepSharp is channels-last (NHWC) and ONNX's
/// Conv/MaxPool are channels-first, so spatial layers are wrapped in Transpose nodes (runtimes fuse
/// the pairs that cancel). A layer type without a rule cannot be exported and says so.
/// </summary>
internal static class OnnxLayerRules
{
    private delegate string Rule(OnnxGraphBuilder g, Layer layer, string input, Shape inputShape);

    private delegate string MergeRule(OnnxGraphBuilder g, Layer layer, IReadOnlyList<string> inputs);

    /// <summary>A rule for a layer that reads the propagated mask (bool (batch, T), or null).</summary>
    private delegate string MaskedRule(OnnxGraphBuilder g, Layer layer, string input, Shape inputShape, string? mask);

    /// <summary>A rule for a functional call with several inputs or keyword arguments (Keras's kwargs).</summary>
    private delegate string CallRule(OnnxGraphBuilder g, Layer layer, IReadOnlyList<string> inputs, IReadOnlyList<Shape> inputShapes, CallArguments arguments);

    private static readonly Dictionary<Type, Rule> s_rules = new()
    {
        [typeof(Dense)] = (g, l, x, s) => Dense(g, (Dense)l, x, s),
        [typeof(EinsumDense)] = (g, l, x, _) => OnnxEinsumDenseRules.EinsumDense(g, (EinsumDense)l, x),
        [typeof(Conv2D)] = (g, l, x, s) => Conv2D(g, (Conv2D)l, x, s),
        [typeof(MaxPooling2D)] = (g, l, x, s) => MaxPool(g, (MaxPooling2D)l, x, s),
        [typeof(Flatten)] = (g, l, x, _) => g.AddNode("Flatten", l.Name, [x], Int("axis", 1)),
        // Dropout is the identity at inference, which is what an exported graph computes.
        [typeof(Dropout)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(Conv1D)] = (g, l, x, s) => OnnxConvolutionRules.Conv1D(g, (Conv1D)l, x, s),
        [typeof(AveragePooling2D)] = (g, l, x, s) => OnnxConvolutionRules.AveragePool(g, (AveragePooling2D)l, x, s),
        [typeof(GlobalAveragePooling2D)] = (g, l, x, _) => GlobalPool2D(g, (GlobalPooling2D)l, "ReduceMean", x),
        [typeof(GlobalMaxPooling2D)] = (g, l, x, _) => GlobalPool2D(g, (GlobalPooling2D)l, "ReduceMax", x),
        [typeof(BatchNormalization)] = (g, l, x, s) => OnnxNormalizationRules.BatchNormalization(g, (BatchNormalization)l, x, s),
        [typeof(LayerNormalization)] = (g, l, x, s) => OnnxNormalizationRules.LayerNormalization(g, (LayerNormalization)l, x, s),
        [typeof(Embedding)] = (g, l, x, _) => OnnxShapeRules.Embedding(g, (Embedding)l, x),
        [typeof(ReversibleEmbedding)] = (g, l, x, _) => OnnxShapeRules.Embedding(g, (ReversibleEmbedding)l, x),
        [typeof(Reshape)] = (g, l, x, s) => OnnxShapeRules.Reshape(g, l, x, s),
        [typeof(Rescaling)] = (g, l, x, _) => OnnxShapeRules.Rescaling(g, (Rescaling)l, x),
        [typeof(Normalization)] = (g, l, x, _) => OnnxNormalizationRules.Normalization(g, (Normalization)l, x),
        [typeof(GroupNormalization)] = (g, l, x, s) => OnnxGroupUnitNormalizationRules.GroupNormalization(g, (GroupNormalization)l, x, s),
        [typeof(UnitNormalization)] = (g, l, x, _) => OnnxGroupUnitNormalizationRules.UnitNormalization(g, (UnitNormalization)l, x),
        [typeof(RmsNormalization)] = (g, l, x, _) => OnnxGroupUnitNormalizationRules.RmsNormalization(g, (RmsNormalization)l, x),
        [typeof(Discretization)] = (g, l, x, _) => OnnxCategoricalRules.Discretization(g, (Discretization)l, x),
        [typeof(CategoryEncoding)] = (g, l, x, s) => OnnxCategoricalRules.CategoryEncoding(g, (CategoryEncoding)l, x, s),
        [typeof(IntegerLookup)] = (g, l, x, s) => OnnxLookupRules.IntegerLookup(g, (IntegerLookup)l, x, s),
        [typeof(Hashing)] = (_, l, _, _) => throw OnnxLookupRules.HashingRefused((Hashing)l),
        [typeof(ConvLstm1D)] = (_, l, _, _) => throw OnnxConvLstmRules.Refused((ConvLstm)l),
        [typeof(ConvLstm2D)] = (_, l, _, _) => throw OnnxConvLstmRules.Refused((ConvLstm)l),
        [typeof(ConvLstm3D)] = (_, l, _, _) => throw OnnxConvLstmRules.Refused((ConvLstm)l),
        [typeof(ActivationLayer)] = (g, l, x, _) => OnnxActivations.Emit(g, ((ActivationLayer)l).Activation, x, l.Name),
        // Augmentation runs only while training: an exported (inference) graph passes images through.
        [typeof(RandomFlip)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomRotation)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomTranslation)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomZoom)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        // Image preprocessing (OnnxImagePreprocessingRules): resizing and crops at inference; contrast and brightness act only while training.
        [typeof(Resizing)] = (g, l, x, s) => OnnxImagePreprocessingRules.Resizing(g, (Resizing)l, x, s),
        [typeof(CenterCrop)] = (g, l, x, s) => OnnxImagePreprocessingRules.CenterCrop(g, (CenterCrop)l, x, s),
        [typeof(RandomCrop)] = (g, l, x, s) => OnnxImagePreprocessingRules.RandomCrop(g, (RandomCrop)l, x, s),
        [typeof(RandomContrast)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomBrightness)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomGrayscale)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(Solarization)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomHue)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomSaturation)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomColorDegeneration)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomColorJitter)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomSharpness)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomInvert)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomPosterization)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomShear)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomErasing)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomGaussianBlur)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandomPerspective)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(Equalization)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(RandAugment)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(AugMix)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(AutoContrast)] = (g, l, x, _) => OnnxImagePreprocessingRules.AutoContrast(g, (AutoContrast)l, x),
        [typeof(PositionEmbedding)] = (g, l, x, _) => OnnxPositionRules.PositionEmbedding(g, (PositionEmbedding)l, x),
        [typeof(SinusoidalPositionEncoding)] = (g, l, x, s) => OnnxPositionRules.SinusoidalPositionEncoding(g, (SinusoidalPositionEncoding)l, x, s),
        // Convolution variants and resizing (OnnxConvolutionVariantRules).
        [typeof(Conv2DTranspose)] = (g, l, x, s) => OnnxConvolutionVariantRules.Conv2DTranspose(g, (Conv2DTranspose)l, x, s),
        [typeof(DepthwiseConv2D)] = (g, l, x, s) => OnnxConvolutionVariantRules.DepthwiseConv2D(g, (DepthwiseConv2D)l, x, s),
        [typeof(SeparableConv2D)] = (g, l, x, s) => OnnxConvolutionVariantRules.SeparableConv2D(g, (SeparableConv2D)l, x, s),
        [typeof(DepthwiseConv1D)] = (g, l, x, s) => OnnxConvolutionVariantRules.DepthwiseConv1D(g, (DepthwiseConv1D)l, x, s),
        [typeof(SeparableConv1D)] = (g, l, x, s) => OnnxConvolutionVariantRules.SeparableConv1D(g, (SeparableConv1D)l, x, s),
        [typeof(UpSampling2D)] = (g, l, x, s) => OnnxConvolutionVariantRules.UpSampling2D(g, (UpSampling2D)l, x, s),
        [typeof(ZeroPadding2D)] = (g, l, x, _) => OnnxConvolutionVariantRules.ZeroPadding2D(g, (ZeroPadding2D)l, x),
        [typeof(Cropping2D)] = (g, l, x, s) => OnnxConvolutionVariantRules.Cropping2D(g, (Cropping2D)l, x, s),
        [typeof(Conv1DTranspose)] = (g, l, x, s) => OnnxConvolutionVariantRules.Conv1DTranspose(g, (Conv1DTranspose)l, x, s),
        [typeof(UpSampling1D)] = (g, l, x, _) => OnnxConvolutionVariantRules.UpSampling1D(g, (UpSampling1D)l, x),
        [typeof(ZeroPadding1D)] = (g, l, x, _) => OnnxConvolutionVariantRules.ZeroPadding1D(g, (ZeroPadding1D)l, x),
        [typeof(Cropping1D)] = (g, l, x, s) => OnnxConvolutionVariantRules.Cropping1D(g, (Cropping1D)l, x, s),
        // Activation layers with parameters, 1-D pooling, sequence reshaping, noise, TimeDistributed (OnnxActivationLayerRules, OnnxSequenceRules).
        [typeof(LeakyRelu)] = (g, l, x, _) => OnnxActivationLayerRules.LeakyRelu(g, (LeakyRelu)l, x),
        [typeof(Elu)] = (g, l, x, _) => OnnxActivationLayerRules.Elu(g, (Elu)l, x),
        [typeof(Relu)] = (g, l, x, _) => OnnxActivationLayerRules.Relu(g, (Relu)l, x),
        [typeof(PRelu)] = (g, l, x, _) => OnnxActivationLayerRules.PRelu(g, (PRelu)l, x),
        [typeof(Softmax)] = (g, l, x, s) => OnnxActivationLayerRules.Softmax(g, (Softmax)l, x, s),
        [typeof(MaxPooling1D)] = (g, l, x, s) => OnnxSequenceRules.Pool1D(g, (Pooling1D)l, x, s),
        [typeof(AveragePooling1D)] = (g, l, x, s) => OnnxSequenceRules.Pool1D(g, (Pooling1D)l, x, s),
        [typeof(GlobalMaxPooling1D)] = (g, l, x, _) => OnnxSequenceRules.GlobalMaxPool1D(g, (GlobalMaxPooling1D)l, x),
        [typeof(RepeatVector)] = (g, l, x, _) => OnnxSequenceRules.RepeatVector(g, (RepeatVector)l, x),
        [typeof(Permute)] = (g, l, x, _) => OnnxSequenceRules.Permute(g, (Permute)l, x),
        // Noise and spatial dropout act only while training: an exported (inference) graph passes values through.
        [typeof(SpatialDropout1D)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(SpatialDropout2D)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(SpatialDropout3D)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(Conv3D)] = (g, l, x, s) => OnnxVolumeRules.Conv3D(g, (Conv3D)l, x, s),
        [typeof(Conv3DTranspose)] = (g, l, x, s) => OnnxVolumeRules.Conv3DTranspose(g, (Conv3DTranspose)l, x, s),
        [typeof(MaxPooling3D)] = (g, l, x, s) => OnnxVolumeRules.Pool(g, (Pooling3D)l, "MaxPool", x, s),
        [typeof(AveragePooling3D)] = (g, l, x, s) => OnnxVolumeRules.Pool(g, (Pooling3D)l, "AveragePool", x, s),
        [typeof(GlobalMaxPooling3D)] = (g, l, x, _) => OnnxVolumeRules.GlobalPool(g, (GlobalPooling3D)l, "ReduceMax", x),
        [typeof(GlobalAveragePooling3D)] = (g, l, x, _) => OnnxVolumeRules.GlobalPool(g, (GlobalPooling3D)l, "ReduceMean", x),
        [typeof(UpSampling3D)] = (g, l, x, _) => OnnxVolumeRules.UpSampling3D(g, (UpSampling3D)l, x),
        [typeof(ZeroPadding3D)] = (g, l, x, _) => OnnxVolumeRules.ZeroPadding3D(g, (ZeroPadding3D)l, x),
        [typeof(Cropping3D)] = (g, l, x, s) => OnnxVolumeRules.Cropping3D(g, (Cropping3D)l, x, s),
        [typeof(GaussianNoise)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(GaussianDropout)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(TimeDistributed)] = (g, l, x, s) => OnnxSequenceRules.TimeDistributed(g, (TimeDistributed)l, x, s),
        // The audio front end (OnnxAudioRules); SpecAugment masks only while training.
        [typeof(StftSpectrogram)] = (g, l, x, _) => OnnxAudioRules.Stft(g, (StftSpectrogram)l, x),
        [typeof(MelSpectrogram)] = (g, l, x, _) => OnnxAudioRules.Mel(g, (MelSpectrogram)l, x),
        [typeof(SpecAugment)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(Masking)] = (g, l, x, _) => OnnxMasks.Masking(g, (Masking)l, x),
        [typeof(Identity)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(ActivityRegularization)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        [typeof(AlphaDropout)] = (g, l, x, _) => g.AddNode("Identity", l.Name, [x]),
        // Int8 layers as QDQ: QuantizeLinear/DequantizeLinear around float MatMul and Conv (OnnxQuantizedRules).
        [typeof(QuantizedDense)] = (g, l, x, _) => OnnxQuantizedRules.Dense(g, (QuantizedDense)l, x),
        [typeof(QuantizedConv2D)] = (g, l, x, s) => OnnxQuantizedRules.Conv2D(g, (QuantizedConv2D)l, x, s),
        [typeof(QuantizedConv1D)] = (g, l, x, s) => OnnxQuantizedRules.Conv1D(g, (QuantizedConv1D)l, x, s),
    };

    private static readonly Dictionary<Type, MaskedRule> s_maskedRules = new()
    {
        [typeof(SimpleRnn)] = (g, l, x, s, m) => OnnxRecurrentRules.Recurrent(g, (RecurrentLayer)l, x, s, m),
        [typeof(Lstm)] = (g, l, x, s, m) => OnnxRecurrentRules.Recurrent(g, (RecurrentLayer)l, x, s, m),
        [typeof(Gru)] = (g, l, x, s, m) => OnnxRecurrentRules.Recurrent(g, (RecurrentLayer)l, x, s, m),
        [typeof(Bidirectional)] = (g, l, x, s, m) => OnnxRecurrentRules.Bidirectional(g, (Bidirectional)l, x, s, m),
        [typeof(Rnn)] = (g, l, x, s, m) => OnnxRecurrentRules.Recurrent(g, ((Rnn)l).AsRecurrentLayer("ONNX export"), x, s, m),
        [typeof(MultiHeadAttention)] = (g, l, x, s, m) => OnnxAttentionRules.SelfAttention(g, (MultiHeadAttention)l, x, s, m),
        [typeof(GroupQueryAttention)] = (g, l, x, s, m) => OnnxAttentionRules.SelfAttention(g, (GroupQueryAttention)l, x, s, m),
        [typeof(TransformerEncoderBlock)] = (g, l, x, s, m) => OnnxTransformerRules.Encoder(g, (TransformerEncoderBlock)l, x, s, m, null),
        [typeof(TransformerDecoderBlock)] = (g, l, x, s, m) => OnnxTransformerRules.Decoder(g, (TransformerDecoderBlock)l, x, s, m),
        [typeof(GlobalAveragePooling1D)] = (g, l, x, _, m) => OnnxSequenceRules.GlobalAveragePool1D(g, (GlobalAveragePooling1D)l, x, m),
    };

    private static readonly Dictionary<Type, MergeRule> s_mergeRules = new()
    {
        [typeof(QuantizedAdd)] = (g, l, xs) => OnnxQuantizedRules.Add(g, (QuantizedAdd)l, xs),
        [typeof(QuantizedConcatenate)] = (g, l, xs) => OnnxQuantizedRules.Concatenate(g, (QuantizedConcatenate)l, xs),
        [typeof(Concatenate)] = (g, l, xs) => g.AddNode("Concat", l.Name, xs, Int("axis", ((Concatenate)l).Axis)),
    };

    private static readonly Dictionary<Type, CallRule> s_callRules = new()
    {
        [typeof(MultiHeadAttention)] = (g, l, xs, s, a) => OnnxAttentionRules.Call(g, (MultiHeadAttention)l, xs, s, a),
        [typeof(GroupQueryAttention)] = (g, l, xs, s, a) => OnnxAttentionRules.Call(g, (GroupQueryAttention)l, xs, s, a),
        [typeof(TransformerEncoderBlock)] = (g, l, xs, s, a) => OnnxTransformerRules.EncoderCall(g, (TransformerEncoderBlock)l, xs, s, a),
        [typeof(TransformerDecoderBlock)] = (g, l, xs, s, a) => OnnxTransformerRules.DecoderCall(g, (TransformerDecoderBlock)l, xs, s, a),
        [typeof(ReversibleEmbedding)] = (g, l, xs, _, a) => OnnxShapeRules.ReversibleEmbeddingCall(g, (ReversibleEmbedding)l, xs, a),
        [typeof(Add)] = (g, l, xs, s, _) => OnnxMergeRules.Chained(g, l, "Add", xs, s),
        [typeof(Multiply)] = (g, l, xs, s, _) => OnnxMergeRules.Chained(g, l, "Mul", xs, s),
        [typeof(Subtract)] = (g, l, xs, s, _) => OnnxMergeRules.Elementwise(g, l, "Sub", xs, s),
        [typeof(Average)] = (g, l, xs, s, _) => OnnxMergeRules.Elementwise(g, l, "Mean", xs, s),
        [typeof(Maximum)] = (g, l, xs, s, _) => OnnxMergeRules.Elementwise(g, l, "Max", xs, s),
        [typeof(Minimum)] = (g, l, xs, s, _) => OnnxMergeRules.Elementwise(g, l, "Min", xs, s),
        [typeof(Dot)] = (g, l, xs, s, _) => OnnxMergeRules.Dot(g, (Dot)l, xs, s),
        [typeof(Attention)] = (g, l, xs, s, a) => OnnxScoredAttentionRules.Call(g, (ScoredAttention)l, xs, s, a).Output,
        [typeof(AdditiveAttention)] = (g, l, xs, s, a) => OnnxScoredAttentionRules.Call(g, (ScoredAttention)l, xs, s, a).Output,
    };

    /// <summary>
    /// Emits a functional call with several inputs or keyword arguments (a single plain input goes
    /// through the masked overload); returns the name of its output.
    /// </summary>
    public static string Emit(OnnxGraphBuilder g, Layer layer, IReadOnlyList<string> inputs, IReadOnlyList<Shape> inputShapes, CallArguments arguments)
    {
        if (s_mergeRules.TryGetValue(layer.GetType(), out var merge)) return merge(g, layer, inputs);
        if (s_callRules.TryGetValue(layer.GetType(), out var call)) return call(g, layer, inputs, inputShapes, arguments);
        if (inputs.Count != 1) throw new DeepSharpException($"ONNX export: layer '{layer.Name}' of type {layer.TypeName} takes one input; got {inputs.Count}.");
        return Emit(g, layer, inputs[0], inputShapes[0]);
    }

    /// <summary>
    /// Emits a one-input call that receives the propagated <paramref name="mask"/> (bool (batch, T),
    /// or null), as Sequential and functional models run it; returns its output and its output's mask.
    /// </summary>
    public static (string Output, string? Mask) Emit(OnnxGraphBuilder g, Layer layer, string input, Shape inputShape, string? mask)
    {
        if (!layer.SupportsMasking) mask = null;
        string y;
        if (mask is not null && s_maskedRules.TryGetValue(layer.GetType(), out var masked))
        {
            CheckExportable(layer);
            y = masked(g, layer, input, inputShape, mask);
        }
        else y = Emit(g, layer, input, inputShape);
        return (y, OnnxMasks.OutputMask(g, layer, input, mask));
    }

    /// <summary>Emits the nodes of <paramref name="layer"/> without a mask and returns the name of its output.</summary>
    public static string Emit(OnnxGraphBuilder g, Layer layer, string input, Shape inputShape)
    {
        CheckExportable(layer);
        if (s_maskedRules.TryGetValue(layer.GetType(), out var masked)) return masked(g, layer, input, inputShape, null);
        if (s_rules.TryGetValue(layer.GetType(), out var rule)) return rule(g, layer, input, inputShape);
        if (layer is IOnnxExportable own) return OnnxCustomRules.Layer(g, layer, own, input, inputShape);
        if (layer is Lambda)
            throw new DeepSharpException($"ONNX export: layer '{layer.Name}' is a Lambda: it runs a C# function, which ONNX cannot hold. "
                + "Write it as a layer of your own that implements IOnnxExportable (see docs/custom.md).");
        throw new DeepSharpException($"ONNX export: layer '{layer.Name}' of type {layer.TypeName} ({layer.GetType().FullName}) has no ONNX rule; "
            + "a layer of your own exports by implementing IOnnxExportable (see docs/custom.md). Built-in exportable types: "
            + string.Join(", ", s_rules.Keys.Concat(s_maskedRules.Keys).Concat(s_mergeRules.Keys).Select(t => t.Name)) + ".");
    }

    /// <summary>Throws when the layer merges several inputs outside a functional model.</summary>
    private static void CheckExportable(Layer layer)
    {
        if (s_mergeRules.ContainsKey(layer.GetType()) || layer is MergeLayer)
            throw new DeepSharpException($"ONNX export: layer '{layer.Name}' of type {layer.TypeName} merges several inputs; it can be exported only from a Functional model.");
    }

    private static string Dense(OnnxGraphBuilder g, Dense layer, string x, Shape inputShape)
    {
        var kernel = layer.Parameters[0].Value;
        string w = g.AddInitializer(layer.Parameters[0].Path, kernel.Span, kernel.Shape[0], kernel.Shape[1]);
        string y = g.AddNode("MatMul", layer.Name + "/matmul", [x, w]);
        if (layer.UseBias)
        {
            var bias = layer.Parameters[1].Value;
            string b = g.AddInitializer(layer.Parameters[1].Path, bias.Span, bias.Shape[0]);
            y = g.AddNode("Add", layer.Name + "/bias_add", [y, b]);
        }
        return Activation(g, layer.Activation, y, layer.Name);
    }

    private static string Conv2D(OnnxGraphBuilder g, Conv2D layer, string x, Shape inputShape)
    {
        var kernel = layer.Parameters[0].Value; // (kh, kw, cin, cout) → ONNX (cout, cin, kh, kw)
        int kh = kernel.Shape[0], kw = kernel.Shape[1], cin = kernel.Shape[2], cout = kernel.Shape[3];
        var oihw = new float[kernel.Size];
        var k = kernel.Span;
        for (int h = 0; h < kh; h++)
            for (int w = 0; w < kw; w++)
                for (int i = 0; i < cin; i++)
                    for (int o = 0; o < cout; o++)
                        oihw[((o * cin + i) * kh + h) * kw + w] = k[((h * kw + w) * cin + i) * cout + o];
        var inputs = new List<string> { ToChannelsFirst(g, x, layer.Name), g.AddInitializer(layer.Parameters[0].Path, oihw, cout, cin, kh, kw) };
        if (layer.UseBias)
        {
            var bias = layer.Parameters[1].Value;
            inputs.Add(g.AddInitializer(layer.Parameters[1].Path, bias.Span, cout));
        }
        string y = ConvNode(g, layer.Name, inputs, inputShape, (kh, kw), layer.Strides, layer.DilationRate, layer.Padding);
        return Activation(g, layer.Activation, ToChannelsLast(g, y, layer.Name), layer.Name);
    }

    /// <summary>
    /// An NCHW Conv node over <paramref name="inputs"/> (x, kernel, optional bias) with Keras's padding
    /// written as explicit pads (Same puts the odd extra row/column at the bottom/right); the float and
    /// the QDQ int8 Conv2D rules share it.
    /// </summary>
    internal static string ConvNode(OnnxGraphBuilder g, string name, List<string> inputs, Shape inputShape, (int H, int W) kernel,
        (int H, int W) strides, (int H, int W) dilation, Padding padding)
    {
        bool same = padding == Padding.Same;
        var (outH, top) = Kernels.Cpu.Conv2DGeometry.OutputSize(inputShape[0], kernel.H, strides.H, dilation.H, same);
        var (outW, left) = Kernels.Cpu.Conv2DGeometry.OutputSize(inputShape[1], kernel.W, strides.W, dilation.W, same);
        long bottom = Math.Max(0, (outH - 1) * strides.H + (kernel.H - 1) * dilation.H + 1 - inputShape[0] - top);
        long right = Math.Max(0, (outW - 1) * strides.W + (kernel.W - 1) * dilation.W + 1 - inputShape[1] - left);
        return g.AddNode("Conv", name, inputs,
            Ints("kernel_shape", kernel.H, kernel.W),
            Ints("strides", strides.H, strides.W),
            Ints("dilations", dilation.H, dilation.W),
            Ints("pads", same ? top : 0, same ? left : 0, same ? bottom : 0, same ? right : 0));
    }

    private static string MaxPool(OnnxGraphBuilder g, MaxPooling2D layer, string x, Shape inputShape)
    {
        bool same = layer.Padding == Padding.Same;
        var geometry = Kernels.Cpu.Pool2DGeometry.Create(1, inputShape[0], inputShape[1], inputShape[2],
            layer.PoolSize.H, layer.PoolSize.W, layer.Strides.H, layer.Strides.W, same);
        long bottom = Math.Max(0, (geometry.OutH - 1) * layer.Strides.H + layer.PoolSize.H - inputShape[0] - geometry.PadTop);
        long right = Math.Max(0, (geometry.OutW - 1) * layer.Strides.W + layer.PoolSize.W - inputShape[1] - geometry.PadLeft);
        string y = g.AddNode("MaxPool", layer.Name, [ToChannelsFirst(g, x, layer.Name)],
            Ints("kernel_shape", layer.PoolSize.H, layer.PoolSize.W),
            Ints("strides", layer.Strides.H, layer.Strides.W),
            Ints("pads", same ? geometry.PadTop : 0, same ? geometry.PadLeft : 0, same ? bottom : 0, same ? right : 0));
        return ToChannelsLast(g, y, layer.Name);
    }

    /// <summary>ReduceMean or ReduceMax over the height and width axes of the NHWC tensor; keepdims as the layer's.</summary>
    private static string GlobalPool2D(OnnxGraphBuilder g, GlobalPooling2D layer, string op, string x) =>
        g.AddNode(op, layer.Name, [x], Ints("axes", 1, 2), Int("keepdims", layer.KeepDims ? 1 : 0));

    private static string Activation(OnnxGraphBuilder g, Activation activation, string x, string layerName) =>
        OnnxActivations.Emit(g, activation, x, layerName);

    internal static string ToChannelsFirst(OnnxGraphBuilder g, string x, string layerName) =>
        g.AddNode("Transpose", layerName + "/to_nchw", [x], Ints("perm", 0, 3, 1, 2));

    internal static string ToChannelsLast(OnnxGraphBuilder g, string x, string layerName) =>
        g.AddNode("Transpose", layerName + "/to_nhwc", [x], Ints("perm", 0, 2, 3, 1));
}
