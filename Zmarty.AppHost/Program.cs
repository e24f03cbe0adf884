using Zmarty.AppHost.Hosting;

try
{
    var command = CommandLine.Parse(args, Environment.GetEnvironmentVariables());
    return command.Verb switch
    {
        "env" => EnvCommand.Run(command.Options),
        "token" => await TokenCommand.RunAsync(command.Options, command.Argument),
        _ => await UpCommand.RunAsync(command.Options),
    };
}
catch (AppHostException ex)
{
    Console.Error.WriteLine($"zmarty: {ex.Message}");
    return 1;
}
