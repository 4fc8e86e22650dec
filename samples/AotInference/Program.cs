// Loads a model file and classifies images with it; published with NativeAOT, it starts in milliseconds
// as one native executable without the .NET runtime (docs/packages.md gives the commands and figures).
//   AotInference MODEL                      one image of zeros: prints the output, shows the model runs
//   AotInference MODEL IMAGES [LABELS]      idx3-ubyte images (MNIST's format, or .gz), idx1-ubyte labels
//   --outputs (anywhere)                     also prints every output value of every sample, round-trip exact
using System.Diagnostics;
using DeepSharp;
using DeepSharp.Data.Datasets;
using DeepSharp.Tensors;
using DeepSharp.Training;

bool printOutputs = args.Contains("--outputs");
args = [.. args.Where(a => a != "--outputs")];
if (args.Length is < 1 or > 3)
{
    Console.Error.WriteLine("usage: AotInference MODEL.safetensors [IMAGES-idx3-ubyte [LABELS-idx1-ubyte]] [--outputs]");
    return 2;
}
try
{
    var clock = Stopwatch.StartNew();
    var model = Model.Load(args[0]);
    var inputShape = model.Layers[0].BuiltInputShape!.Value;   // per sample, e.g. (28, 28, 1)
    double loadMs = clock.Elapsed.TotalMilliseconds;

    Tensor x;
    byte[]? labels = null;
    if (args.Length == 1)
        x = Tensor.Zeros(inputShape.WithBatch(1));
    else
    {
        var images = IdxReader.ReadImages(args[1]);
        if (inputShape.Rank != 3 || inputShape[0] != images.Rows || inputShape[1] != images.Cols || inputShape[2] != 1)
            throw new DeepSharpException($"'{args[1]}' holds {images.Rows}×{images.Cols} gray images; the model takes {inputShape.ToBatchString()}.");
        var pixels = new float[images.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[i] / 255f;
        x = Tensor.Wrap(pixels, inputShape.WithBatch(images.Count));
        if (args.Length == 3)
        {
            labels = IdxReader.ReadLabels(args[2]);
            if (labels.Length != images.Count)
                throw new DeepSharpException($"'{args[2]}' holds {labels.Length} labels for {images.Count} images.");
        }
    }

    var scores = model.Predict(x);                              // (N, classes)
    double totalMs = clock.Elapsed.TotalMilliseconds;
    int n = scores.Shape[0], classes = scores.Shape[1];
    var values = scores.ToArray();
    int correct = 0;
    for (int i = 0; i < n; i++)
    {
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (values[i * classes + c] > values[i * classes + best]) best = c;
        if (labels is not null && best == labels[i]) correct++;
        if (i < 5) Console.WriteLine($"sample {i}: class {best} ({values[i * classes + best]:F4})");
        if (printOutputs)
            Console.WriteLine($"outputs {i}: {string.Join(' ', values.Skip(i * classes).Take(classes).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}");
    }
    if (labels is not null) Console.WriteLine($"accuracy: {(double)correct / n:P2} on {n} images");
    Console.WriteLine($"{n} sample(s) of {inputShape.ToBatchString()}: model loaded in {loadMs:F1} ms, predicted in {totalMs - loadMs:F1} ms");
    return 0;
}
catch (DeepSharpException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
