package hub

// ConversationView is the wire form of a conversation, for tests that build the expected answer.
var ConversationView = conversationView
