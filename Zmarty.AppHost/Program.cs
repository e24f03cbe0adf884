using Zmarty.AppHost.Hosting;

try
{
    var command = CommandLine.Parse(args, Environment.GetEnvironmentVariables());
    return command.Verb switch
    {
        "env" => EnvCommand.Run(command.Options),
        _ => await UpCommand.RunAsync(command.Options),
    };
}
catch (AppHostException ex)
{
    Console.Error.WriteLine($"zmarty: {ex.Message}");
    return 1;
}
