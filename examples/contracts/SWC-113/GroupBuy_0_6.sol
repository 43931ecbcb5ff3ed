// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.6.0;

/// @title GroupBuy
/// @notice Pools one contribution per participant for a group purchase. On
///         cancellation everyone is refunded in one loop, so a single recipient
///         whose fallback reverts blocks all refunds.
contract GroupBuy {
    address public organizer;
    address payable[] public participants;
    mapping(address => uint256) public contributions;
    bool public cancelled;

    event Joined(address indexed participant, uint256 amount);
    event Cancelled();

    constructor() public {
        organizer = msg.sender;
    }

    function join() external payable {
        require(!cancelled, "cancelled");
        require(msg.value > 0, "no contribution");
        require(contributions[msg.sender] == 0, "already joined");
        contributions[msg.sender] = msg.value;
        participants.push(msg.sender);
        emit Joined(msg.sender, msg.value);
    }

    function cancel() external {
        require(msg.sender == organizer, "not organizer");
        require(!cancelled, "already cancelled");
        cancelled = true;
        for (uint256 i = 0; i < participants.length; i++) {
            address payable participant = participants[i];
            uint256 amount = contributions[participant];
            contributions[participant] = 0;
            participant.transfer(amount); // SWC-113
        }
        emit Cancelled();
    }
}
