using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>What a served model accepts (labels, shapes) and how a fault of the model itself is answered.</summary>
public class ServedModelTests
{
    [Fact]
    public async Task LabelsNameTheClassesInPredictionsAndModelInfo()
    {
        string[] labels = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        await using var server = new ModelServer(new ServedModel(TrainedMnist.Model, labels), new ServingOptions { Port = 0 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address };
        var info = await Requests.Read(await client.GetAsync("/v1/model"), 200);
        Assert.Equal("zero", (string)info["labels"]![0]!);
        var json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json(TrainedMnist.Image(0))), 200);
        int best = (int)json["predictions"]![0]!["class"]!;
        Assert.Equal(labels[best], (string)json["predictions"]![0]!["label"]!);
    }

    [Fact]
    public void WrongLabelCountsAndModelsWithoutInputShapeAreRefusedAtStart()
    {
        var e = Assert.Throws<ArgumentException>(() => new ServedModel(TrainedMnist.Model, ["a", "b"]));
        Assert.Contains("2 labels given", e.Message);
        var unbuilt = new Sequential(new Dense(3));
        Assert.Contains("no known input shape", Assert.Throws<ArgumentException>(() => new ServedModel(unbuilt)).Message);
        Assert.Contains("not an IP address", Assert.Throws<ArgumentException>(() => new ModelServer(new ServedModel(TrainedMnist.Model), new ServingOptions { Host = "example" })).Message);
        Assert.Contains("MaxBatchSize", Assert.Throws<ArgumentException>(() => new ServingOptions { MaxBatchSize = 0 }.Validate()).Message);
    }

    /// <summary>A model (not a request) that fails: answered 500 with the same one-line JSON, and the server goes on.</summary>
    [Fact]
    public async Task AFaultOfTheModelIs500WithAJsonErrorAndTheServerGoesOn()
    {
        var model = new Sequential(new FailsOnFortyTwo(inputShape: [4]), new Dense(2));
        await using var server = new ModelServer(new ServedModel(model), new ServingOptions { Port = 0 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address };
        await Requests.Error(await client.PostAsync("/v1/predict", Requests.Json([42f, 0, 0, 0])), 500, "internal error: InvalidOperationException: forty-two");
        await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json([1f, 0, 0, 0])), 200);
        Assert.Equal(415, (int)(await client.PostAsync("/v1/predict", Requests.Png([1, 2, 3]))).StatusCode); // not an image model
    }

    /// <summary>Identity, except that an input starting with 42 makes it throw (a stand-in for a broken model).</summary>
    private sealed class FailsOnFortyTwo(int[] inputShape) : Layer(null, inputShape)
    {
        public override string TypeName => "FailsOnFortyTwo";

        public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

        protected override Tensor Forward(Tensor x, bool training) =>
            x.Span[0] == 42f ? throw new InvalidOperationException("forty-two") : x;
    }
}
