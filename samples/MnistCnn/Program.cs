Console.WriteLine("MnistCnn sample: under construction");
