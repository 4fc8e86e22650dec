using System.CommandLine;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp export MODEL --onnx FILE</c>: writes a model file as ONNX (opset 17).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var onnx = new Option<FileInfo>("--onnx")
        {
            Description = "The ONNX file to write (opset 17, runs in ONNX Runtime).",
            Required = true,
        };
        var command = new Command("export", "Convert a model file to another format (ONNX).") { model, onnx };
        command.SetAction(result =>
        {
            var file = result.GetValue(onnx)!;
            var loaded = ModelArguments.Load(result.GetValue(model)!);
            loaded.ExportOnnx(file.FullName);
            Console.WriteLine($"Wrote {file.FullName} (ONNX opset {Serialization.Onnx.OnnxExporter.Opset}, {loaded.Layers.Count} layers, {loaded.Parameters.Sum(p => p.Value.Size):N0} parameters).");
            return 0;
        });
        return command;
    }
}
