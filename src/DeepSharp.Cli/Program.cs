Console.WriteLine("deepsharp: under construction");
return 0;
